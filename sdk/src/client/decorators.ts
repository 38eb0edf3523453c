import type { Address } from "viem";
import { addStake, type AddStakeParameters } from "../actions/provider/addStake.ts";
import { pauseProvider } from "../actions/provider/pauseProvider.ts";
import { registerProvider, type RegisterProviderParameters } from "../actions/provider/registerProvider.ts";
import { requestUnstake, type RequestUnstakeParameters } from "../actions/provider/requestUnstake.ts";
import { sendHeartbeat } from "../actions/provider/sendHeartbeat.ts";
import { setPrices, type SetPricesParameters } from "../actions/provider/setPrices.ts";
import { setExitPolicy, type SetExitPolicyParameters } from "../actions/provider/setExitPolicy.ts";
import { setTransport, type SetTransportParameters } from "../actions/provider/setTransport.ts";
import { unpauseProvider } from "../actions/provider/unpauseProvider.ts";
import { updateProvider, type UpdateProviderParameters } from "../actions/provider/updateProvider.ts";
import { withdrawStake } from "../actions/provider/withdrawStake.ts";
import { acceptSession, type AcceptSessionParameters } from "../actions/session/acceptSession.ts";
import { cancelSession } from "../actions/session/cancelSession.ts";
import { rejectSession } from "../actions/session/rejectSession.ts";
import { sweepFees } from "../actions/session/sweepFees.ts";
import { withdrawRefund } from "../actions/session/withdrawRefund.ts";
import { claimUsage, type ClaimUsageParameters } from "../actions/session/claimUsage.ts";
import { closeSession } from "../actions/session/closeSession.ts";
import { closeWithVoucher } from "../actions/session/closeWithVoucher.ts";
import { finalizeSession } from "../actions/session/finalizeSession.ts";
import { openSession, type OpenSessionParameters } from "../actions/session/openSession.ts";
import { signVoucher, type SignVoucherParameters } from "../actions/session/signVoucher.ts";
import {
  waitForSessionAccepted,
  type WaitForSessionAcceptedParameters,
} from "../actions/session/waitForSessionAccepted.ts";
import {
  buildParameterChange,
  type BuildParameterChangeParameters,
} from "../actions/governance/buildParameterChange.ts";
import { buildSlash, type BuildSlashParameters } from "../actions/governance/buildSlash.ts";
import { castVote, type CastVoteParameters } from "../actions/governance/castVote.ts";
import { delegateVotes } from "../actions/governance/delegateVotes.ts";
import { executeProposal } from "../actions/governance/executeProposal.ts";
import { getProposal, getProposalState } from "../actions/governance/getProposal.ts";
import { getProposalId, type Proposal } from "../actions/governance/proposal.ts";
import { propose } from "../actions/governance/propose.ts";
import { queueProposal } from "../actions/governance/queueProposal.ts";
import { getBalances } from "../actions/read/getBalances.ts";
import { getParameters } from "../actions/read/getParameters.ts";
import { getPriceOf } from "../actions/read/getPriceOf.ts";
import { getProvider } from "../actions/read/getProvider.ts";
import { getExitPolicy } from "../actions/read/getExitPolicy.ts";
import { getHeartbeatTimeout } from "../actions/read/getHeartbeatTimeout.ts";
import { getTransport } from "../actions/read/getTransport.ts";
import { getSession } from "../actions/read/getSession.ts";
import { getUsageDigest } from "../actions/read/getUsageDigest.ts";
import { isProviderAvailable } from "../actions/read/isProviderAvailable.ts";
import { listProviders } from "../actions/read/listProviders.ts";
import { listSessions, type ListSessionsParameters } from "../actions/read/listSessions.ts";
import { getProposalDefinition, listProposals } from "../actions/governance/listProposals.ts";
import { feedActions } from "../feed/actions.ts";
import type { DvpnContext } from "./types.ts";

/**
 * Binds every SDK action to a context, viem-style: `client.openSession(params)` is
 * `openSession(client, params)`.
 * @param c the context.
 * @returns the bound actions.
 * @example const client = { ...context, ...dvpnActions(context) }
 */
export function dvpnActions(c: DvpnContext) {
  return {
    // providers
    registerProvider: (p: RegisterProviderParameters) => registerProvider(c, p),
    addStake: (p: AddStakeParameters) => addStake(c, p),
    requestUnstake: (p: RequestUnstakeParameters) => requestUnstake(c, p),
    withdrawStake: () => withdrawStake(c),
    updateProvider: (p: UpdateProviderParameters) => updateProvider(c, p),
    setPrices: (p: SetPricesParameters) => setPrices(c, p),
    setExitPolicy: (p: SetExitPolicyParameters) => setExitPolicy(c, p),
    setTransport: (p: SetTransportParameters) => setTransport(c, p),
    pauseProvider: () => pauseProvider(c),
    unpauseProvider: () => unpauseProvider(c),
    sendHeartbeat: () => sendHeartbeat(c),
    // sessions
    openSession: (p: OpenSessionParameters) => openSession(c, p),
    waitForSessionAccepted: (p: WaitForSessionAcceptedParameters) => waitForSessionAccepted(c, p),
    acceptSession: (p: AcceptSessionParameters) => acceptSession(c, p),
    cancelSession: (p: { sessionId: bigint }) => cancelSession(c, p),
    rejectSession: (p: { sessionId: bigint; reason: string }) => rejectSession(c, p),
    withdrawRefund: (p: { to?: Address } = {}) => withdrawRefund(c, p),
    sweepFees: () => sweepFees(c),
    closeSession: (p: { sessionId: bigint }) => closeSession(c, p),
    closeWithVoucher: (p: ClaimUsageParameters) => closeWithVoucher(c, p),
    finalizeSession: (p: { sessionId: bigint }) => finalizeSession(c, p),
    claimUsage: (p: ClaimUsageParameters) => claimUsage(c, p),
    signVoucher: (p: SignVoucherParameters) => signVoucher(c, p),
    // governance
    delegateVotes: (p: { delegatee?: Address } = {}) => delegateVotes(c, p),
    buildParameterChange: (p: BuildParameterChangeParameters) => buildParameterChange(c.deployment, p),
    buildSlash: (p: BuildSlashParameters) => buildSlash(c.deployment, p),
    getProposalId: (p: Proposal) => getProposalId(p),
    propose: (p: Proposal) => propose(c, p),
    castVote: (p: CastVoteParameters) => castVote(c, p),
    queueProposal: (p: Proposal) => queueProposal(c, p),
    executeProposal: (p: Proposal) => executeProposal(c, p),
    getProposalState: (p: { proposalId: bigint }) => getProposalState(c, p),
    getProposal: (p: { proposalId: bigint }) => getProposal(c, p),
    listProposals: () => listProposals(c),
    getProposalDefinition: (p: { proposalId: bigint }) => getProposalDefinition(c, p),
    // reads
    getProvider: (p: { provider: Address }) => getProvider(c, p),
    getExitPolicy: (p: { provider: Address }) => getExitPolicy(c, p),
    getHeartbeatTimeout: () => getHeartbeatTimeout(c),
    getTransport: (p: { provider: Address }) => getTransport(c, p),
    isProviderAvailable: (p: { provider: Address }) => isProviderAvailable(c, p),
    getSession: (p: { sessionId: bigint }) => getSession(c, p),
    getParameters: () => getParameters(c),
    getPriceOf: (p: { sessionId: bigint; bytes: bigint; seconds: bigint }) => getPriceOf(c, p),
    getUsageDigest: (p: { sessionId: bigint; bytes: bigint; seconds: bigint }) => getUsageDigest(c, p),
    listProviders: () => listProviders(c),
    listSessions: (p: ListSessionsParameters) => listSessions(c, p),
    getBalances: (p: { address?: Address } = {}) => getBalances(c, p),
    // feed
    ...feedActions(c),
  };
}

/** The actions a {@link DvpnClient} carries. */
export type DvpnActions = ReturnType<typeof dvpnActions>;
