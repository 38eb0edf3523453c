/**
 * dvpn SDK: a typed client for the dvpn protocol on viem.
 *
 * - {@link createDvpnClient} binds every action to a chain, an account and a deployment.
 * - Actions are also exported as free functions (`openSession(client, params)`), viem-style.
 * - Vouchers, WireGuard helpers, the feed client, errors and an ethers v6 adapter.
 */
export { createDvpnClient, type CreateDvpnClientParameters, type DvpnClient } from "./client/createDvpnClient.ts";
export { dvpnActions, type DvpnActions } from "./client/decorators.ts";
export type { DvpnContext, WriteResult } from "./client/types.ts";

// providers
export {
  registerProvider,
  type RegisterProviderParameters,
  type RegisterProviderReturnType,
  type PermitMode,
} from "./actions/provider/registerProvider.ts";
export { addStake, type AddStakeParameters, type AddStakeReturnType } from "./actions/provider/addStake.ts";
export {
  requestUnstake,
  type RequestUnstakeParameters,
  type RequestUnstakeReturnType,
} from "./actions/provider/requestUnstake.ts";
export { withdrawStake, type WithdrawStakeReturnType } from "./actions/provider/withdrawStake.ts";
export { updateProvider, type UpdateProviderParameters } from "./actions/provider/updateProvider.ts";
export { setPrices, type SetPricesParameters } from "./actions/provider/setPrices.ts";
export { setExitPolicy, type SetExitPolicyParameters } from "./actions/provider/setExitPolicy.ts";
export { setTransport, type SetTransportParameters } from "./actions/provider/setTransport.ts";
export {
  bytes16ToClientId,
  checkTransportOffer,
  clientIdToBytes16,
  TRANSPORT_KINDS,
  transportFromChain,
  transportPath,
  type TransportKind,
  type TransportOffer,
} from "./transport/offer.ts";
export {
  describeExitPolicy,
  exitPolicyAllowsPort,
  formatExitPolicy,
  MAX_EXIT_POLICY_LENGTH,
  OPEN_EXIT_POLICY,
  parseExitPolicy,
  parsePortList,
  parseRangeList,
  type ExitPolicy,
  type PortRange,
} from "./exitPolicy/exitPolicy.ts";
export { pauseProvider } from "./actions/provider/pauseProvider.ts";
export { unpauseProvider } from "./actions/provider/unpauseProvider.ts";
export { sendHeartbeat } from "./actions/provider/sendHeartbeat.ts";

// sessions
export { openSession, type OpenSessionParameters, type OpenSessionReturnType } from "./actions/session/openSession.ts";
export { acceptSession, type AcceptSessionParameters } from "./actions/session/acceptSession.ts";
export { cancelSession, type CancelSessionReturnType } from "./actions/session/cancelSession.ts";
export { rejectSession, type RejectSessionReturnType } from "./actions/session/rejectSession.ts";
export { withdrawRefund, type WithdrawRefundReturnType } from "./actions/session/withdrawRefund.ts";
export { sweepFees, type SweepFeesReturnType } from "./actions/session/sweepFees.ts";
export { closeSession, type CloseSessionReturnType } from "./actions/session/closeSession.ts";
export { closeWithVoucher, type CloseWithVoucherReturnType } from "./actions/session/closeWithVoucher.ts";
export { finalizeSession, type FinalizeSessionReturnType } from "./actions/session/finalizeSession.ts";
export { claimUsage, type ClaimUsageParameters, type ClaimUsageReturnType } from "./actions/session/claimUsage.ts";
export type { SessionCloseOutcome } from "./actions/session/settlement.ts";
export { signVoucher, type SignVoucherParameters } from "./actions/session/signVoucher.ts";
export {
  waitForSessionAccepted,
  type WaitForSessionAcceptedParameters,
  type WaitForSessionAcceptedReturnType,
} from "./actions/session/waitForSessionAccepted.ts";

// governance
export {
  getProposalId,
  proposalArgs,
  PROPOSAL_STATES,
  type Proposal,
  type ProposalAction,
  type ProposalState,
} from "./actions/governance/proposal.ts";
export {
  buildParameterChange,
  GOVERNABLE_PARAMETERS,
  type BuildParameterChangeParameters,
  type GovernableParameter,
} from "./actions/governance/buildParameterChange.ts";
export { buildSlash, type BuildSlashParameters } from "./actions/governance/buildSlash.ts";
export { delegateVotes } from "./actions/governance/delegateVotes.ts";
export { propose, type ProposeReturnType } from "./actions/governance/propose.ts";
export {
  castVote,
  type CastVoteParameters,
  type CastVoteReturnType,
  type VoteSupport,
} from "./actions/governance/castVote.ts";
export { queueProposal, type QueueProposalReturnType } from "./actions/governance/queueProposal.ts";
export { executeProposal, type ExecuteProposalReturnType } from "./actions/governance/executeProposal.ts";
export { getProposal, getProposalState, type ProposalInfo } from "./actions/governance/getProposal.ts";

export { listProposals, getProposalDefinition, type ProposalDefinition } from "./actions/governance/listProposals.ts";

// reads
export { listProviders, type ListedProvider } from "./actions/read/listProviders.ts";
export { listSessions, type ListSessionsParameters } from "./actions/read/listSessions.ts";
export { getProvider, type GetProviderParameters, type ProviderRecord } from "./actions/read/getProvider.ts";
export { getExitPolicy, type GetExitPolicyParameters } from "./actions/read/getExitPolicy.ts";
export { getTransport, type GetTransportParameters } from "./actions/read/getTransport.ts";
export { isProviderAvailable } from "./actions/read/isProviderAvailable.ts";
export { getSession, SESSION_STATUSES, type SessionRecord, type SessionStatus } from "./actions/read/getSession.ts";
export { getParameters, type ProtocolParameters } from "./actions/read/getParameters.ts";
export { getHeartbeatTimeout } from "./actions/read/getHeartbeatTimeout.ts";
export { getPriceOf } from "./actions/read/getPriceOf.ts";
export { getUsageDigest } from "./actions/read/getUsageDigest.ts";
export { getBalances, type Balances } from "./actions/read/getBalances.ts";

// vouchers, events, deployment, errors, WireGuard, adapters, feed
export * from "./vouchers/usage.ts";
export { isValidErc1271Signature } from "./vouchers/isValidErc1271Signature.ts";
export * from "./events/index.ts";
export * from "./deployment/index.ts";
export * from "./errors/index.ts";
export * from "./wireguard/index.ts";
export * from "./adapters/ethers.ts";
export * from "./feed/index.ts";
export * as abi from "./abi/index.ts";
export * from "./tunnel/index.ts";
