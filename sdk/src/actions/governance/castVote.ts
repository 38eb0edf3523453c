import { dvpnGovernorAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { InvalidInputError } from "../../errors/input.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkUint } from "../../internal/validate.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";

/** A vote: against (0), for (1) or abstain (2). */
export type VoteSupport = "against" | "for" | "abstain";

const SUPPORT: Record<VoteSupport, number> = { against: 0, for: 1, abstain: 2 };

/** Parameters of {@link castVote}. */
export interface CastVoteParameters {
  proposalId: bigint;
  support: VoteSupport;
  /** Optional reason, recorded on-chain in the VoteCast event. */
  reason?: string;
}

/** What {@link castVote} returns: the transaction, its receipt and the decoded result. */
export type CastVoteReturnType = WriteResult & { weight: bigint };

/**
 * Votes on an active proposal, with an optional reason.
 * @param client a DvpnClient whose account had delegated votes at the proposal's snapshot.
 * @param params proposal id, support and reason.
 * @returns the transaction and the vote's weight.
 * @example await castVote(client, { proposalId, support: "for", reason: "fees are too high" })
 */
export async function castVote(client: DvpnContext, params: CastVoteParameters): Promise<CastVoteReturnType> {
  const proposalId = checkUint(params.proposalId, "proposalId", 256);
  const support = SUPPORT[params.support];
  if (support === undefined) {
    throw new InvalidInputError({ field: "support", value: params.support, reason: "must be for, against or abstain" });
  }
  const governor = addresses(client).governor;
  const result = await writeAndWait(
    client,
    params.reason
      ? {
          address: governor,
          abi: dvpnGovernorAbi,
          functionName: "castVoteWithReason",
          args: [proposalId, support, params.reason],
        }
      : { address: governor, abi: dvpnGovernorAbi, functionName: "castVote", args: [proposalId, support] },
  );
  const e = findEvent({
    abi: dvpnGovernorAbi,
    logs: result.receipt.logs,
    eventName: "VoteCast",
    address: governor,
    hash: result.hash,
    action: "castVote",
  });
  return { ...result, weight: e.weight };
}
