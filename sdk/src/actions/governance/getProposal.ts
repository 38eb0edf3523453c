import type { Address } from "viem";
import { dvpnGovernorAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkUint } from "../../internal/validate.ts";
import { read } from "../../internal/write.ts";
import { PROPOSAL_STATES, type ProposalState } from "./proposal.ts";

/** A proposal's on-chain state and tally. */
export interface ProposalInfo {
  proposalId: bigint;
  state: ProposalState;
  proposer: Address;
  /** Timepoint (unix seconds) whose voting power counts. */
  snapshot: bigint;
  /** Timepoint voting closes. */
  deadline: bigint;
  /** Unix time it can execute once queued (0 before). */
  eta: bigint;
  votes: { against: bigint; for: bigint; abstain: bigint };
  /** Votes (for + abstain) needed. */
  quorum: bigint;
}

/**
 * The state of a proposal (`Governor.state`).
 * @param client a DvpnClient.
 * @param params the proposal id.
 * @returns e.g. `"Active"` or `"Succeeded"`.
 * @throws {ContractRevertError} `GovernorNonexistentProposal` for an unknown id.
 * @example if ((await getProposalState(client, { proposalId })) === "Succeeded") await client.queueProposal(p)
 */
export async function getProposalState(client: DvpnContext, params: { proposalId: bigint }): Promise<ProposalState> {
  const state = await read(client.publicClient, {
    address: addresses(client).governor,
    abi: dvpnGovernorAbi,
    functionName: "state",
    args: [checkUint(params.proposalId, "proposalId", 256)],
  });
  return PROPOSAL_STATES[state] ?? "Pending";
}

/**
 * A proposal's state, voting window, tally and quorum.
 * @param client a DvpnClient.
 * @param params the proposal id.
 * @returns the proposal's on-chain information.
 * @example const { votes, quorum } = await getProposal(client, { proposalId })
 */
export async function getProposal(client: DvpnContext, params: { proposalId: bigint }): Promise<ProposalInfo> {
  const proposalId = checkUint(params.proposalId, "proposalId", 256);
  const state = await getProposalState(client, { proposalId });
  const g = { address: addresses(client).governor, abi: dvpnGovernorAbi };
  const pc = client.publicClient;
  const [proposer, snapshot, deadline, eta, votes] = await Promise.all([
    read(pc, { ...g, functionName: "proposalProposer", args: [proposalId] }),
    read(pc, { ...g, functionName: "proposalSnapshot", args: [proposalId] }),
    read(pc, { ...g, functionName: "proposalDeadline", args: [proposalId] }),
    read(pc, { ...g, functionName: "proposalEta", args: [proposalId] }),
    read(pc, { ...g, functionName: "proposalVotes", args: [proposalId] }),
  ]);
  const quorum = await read(pc, { ...g, functionName: "quorum", args: [snapshot] }).catch(() => 0n);
  return {
    proposalId,
    state,
    proposer,
    snapshot,
    deadline,
    eta,
    votes: { against: votes[0], for: votes[1], abstain: votes[2] },
    quorum,
  };
}
