import { stringToHex } from "viem";
import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId } from "../../internal/validate.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";

/** What {@link rejectSession} returns: the transaction, its receipt and the refund. */
export type RejectSessionReturnType = WriteResult & { refund: bigint };

/**
 * The provider refuses a pending session (a bad key, its policy): the whole deposit returns to
 * the client at once and `reason` (at most 32 bytes of text) is recorded on chain.
 * @param client a DvpnClient whose account is the session's provider.
 * @param params the session id and a short reason.
 * @returns the transaction and the refund.
 * @throws {ContractRevertError} `EscrowInvalidStatus` unless the session is pending.
 * @example await rejectSession(client, { sessionId: 1n, reason: "bad wireguard key" })
 */
export async function rejectSession(
  client: DvpnContext,
  params: { sessionId: bigint; reason: string },
): Promise<RejectSessionReturnType> {
  const sessionId = checkSessionId(params.sessionId);
  if (new TextEncoder().encode(params.reason).length > 32) throw new RangeError("reason is longer than 32 bytes");
  const escrow = addresses(client).escrow;
  const result = await writeAndWait(client, {
    address: escrow,
    abi: sessionEscrowAbi,
    functionName: "rejectSession",
    args: [sessionId, stringToHex(params.reason, { size: 32 })],
  });
  const e = findEvent({
    abi: sessionEscrowAbi,
    logs: result.receipt.logs,
    eventName: "SessionRejected",
    address: escrow,
    hash: result.hash,
    action: "rejectSession",
  });
  return { ...result, refund: e.refund };
}
