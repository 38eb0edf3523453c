import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId } from "../../internal/validate.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";

/** What {@link cancelSession} returns: the transaction, its receipt and the decoded result. */
export type CancelSessionReturnType = WriteResult & { refund: bigint };

/**
 * Takes back the whole deposit of a session the provider has not accepted: the session's client
 * may do so at any time while it is Pending, anyone else after its accept deadline (the refund
 * always goes to the client).
 * @param client a DvpnClient (the session's client, or anyone after the accept deadline).
 * @param params the session id.
 * @returns the transaction and the refund.
 * @throws {ContractRevertError} `EscrowInvalidStatus` once accepted, rejected or cancelled;
 * `EscrowAcceptDeadlineNotReached` for a caller other than the client before the accept deadline.
 * @example const { refund } = await cancelSession(client, { sessionId: 1n })
 */
export async function cancelSession(
  client: DvpnContext,
  params: { sessionId: bigint },
): Promise<CancelSessionReturnType> {
  const sessionId = checkSessionId(params.sessionId);
  const escrow = addresses(client).escrow;
  const result = await writeAndWait(client, {
    address: escrow,
    abi: sessionEscrowAbi,
    functionName: "cancelSession",
    args: [sessionId],
  });
  const e = findEvent<{ refund: bigint }>({
    abi: sessionEscrowAbi,
    logs: result.receipt.logs,
    eventName: "SessionCancelled",
    address: escrow,
    hash: result.hash,
    action: "cancelSession",
  });
  return { ...result, refund: e.refund };
}
