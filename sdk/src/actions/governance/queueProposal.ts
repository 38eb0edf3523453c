import { dvpnGovernorAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";
import { proposalArgs, type Proposal } from "./proposal.ts";

/** What {@link queueProposal} returns: the transaction, its receipt and the decoded result. */
export type QueueProposalReturnType = WriteResult & {
  proposalId: bigint;
  /** Unix time it can execute. */ eta: bigint;
};

/**
 * Queues a succeeded proposal in the timelock. Pass the same actions and description as at {@link propose}.
 * @param client a DvpnClient with an account.
 * @param params the proposal's actions and description.
 * @returns the transaction and the time from which it can be executed.
 * @example const { eta } = await queueProposal(client, { actions, description })
 */
export async function queueProposal(client: DvpnContext, params: Proposal): Promise<QueueProposalReturnType> {
  const { targets, values, calldatas, descriptionHash } = proposalArgs(params);
  const governor = addresses(client).governor;
  const result = await writeAndWait(client, {
    address: governor,
    abi: dvpnGovernorAbi,
    functionName: "queue",
    args: [targets, values, calldatas, descriptionHash],
  });
  const e = findEvent({
    abi: dvpnGovernorAbi,
    logs: result.receipt.logs,
    eventName: "ProposalQueued",
    address: governor,
    hash: result.hash,
    action: "queueProposal",
  });
  return { ...result, proposalId: e.proposalId, eta: e.etaSeconds };
}
