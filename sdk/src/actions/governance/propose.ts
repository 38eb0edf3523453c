import { dvpnGovernorAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";
import { proposalArgs, type Proposal } from "./proposal.ts";

/** What {@link propose} returns: the transaction, its receipt and the decoded result. */
export type ProposeReturnType = WriteResult & {
  proposalId: bigint;
  /** Timepoint (unix seconds) voting opens. */
  voteStart: bigint;
  /** Timepoint (unix seconds) voting closes. */
  voteEnd: bigint;
};

/**
 * Submits a proposal to the Governor. Build actions with {@link buildParameterChange} or {@link buildSlash}.
 * @param client a DvpnClient whose account holds at least the proposal threshold of votes.
 * @param params the actions and description.
 * @returns the transaction, the proposal id and the voting window.
 * @example
 * const { proposalId } = await propose(client, {
 *   actions: [buildParameterChange(client.deployment, { parameter: "protocolFeeBps", value: 100n })],
 *   description: "Lower the protocol fee to 1%",
 * })
 */
export async function propose(client: DvpnContext, params: Proposal): Promise<ProposeReturnType> {
  const { targets, values, calldatas, description } = proposalArgs(params);
  const governor = addresses(client).governor;
  const result = await writeAndWait(client, {
    address: governor,
    abi: dvpnGovernorAbi,
    functionName: "propose",
    args: [targets, values, calldatas, description],
  });
  const e = findEvent({
    abi: dvpnGovernorAbi,
    logs: result.receipt.logs,
    eventName: "ProposalCreated",
    address: governor,
    hash: result.hash,
    action: "propose",
  });
  return { ...result, proposalId: e.proposalId, voteStart: e.voteStart, voteEnd: e.voteEnd };
}
