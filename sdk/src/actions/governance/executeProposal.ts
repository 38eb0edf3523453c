import { dvpnGovernorAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";
import { proposalArgs, type Proposal } from "./proposal.ts";

/** What {@link executeProposal} returns: the transaction, its receipt and the decoded result. */
export type ExecuteProposalReturnType = WriteResult & { proposalId: bigint };

/**
 * Executes a queued proposal once its timelock delay is over (anyone may execute).
 * @param client a DvpnClient with an account.
 * @param params the proposal's actions and description.
 * @returns the transaction and the proposal id.
 * @example await executeProposal(client, { actions, description })
 */
export async function executeProposal(client: DvpnContext, params: Proposal): Promise<ExecuteProposalReturnType> {
  const { targets, values, calldatas, descriptionHash } = proposalArgs(params);
  const governor = addresses(client).governor;
  const result = await writeAndWait(client, {
    address: governor,
    abi: dvpnGovernorAbi,
    functionName: "execute",
    args: [targets, values, calldatas, descriptionHash],
  });
  const e = findEvent({
    abi: dvpnGovernorAbi,
    logs: result.receipt.logs,
    eventName: "ProposalExecuted",
    address: governor,
    hash: result.hash,
    action: "executeProposal",
  });
  return { ...result, proposalId: e.proposalId };
}
