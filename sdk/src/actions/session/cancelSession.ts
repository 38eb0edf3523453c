import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId } from "../../internal/validate.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";

/** What {@link cancelSession} returns: the transaction, its receipt and the decoded result. */
export type CancelSessionReturnType = WriteResult & { refund: bigint };

/**
 * The client takes back the whole deposit of a session the provider did not accept in time.
 * @param client a DvpnClient whose account is the session's client.
 * @param params the session id.
 * @returns the transaction and the refund.
 * @throws {ContractRevertError} `EscrowAcceptDeadlineNotReached` before the accept deadline.
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
  const e = findEvent({
    abi: sessionEscrowAbi,
    logs: result.receipt.logs,
    eventName: "SessionCancelled",
    address: escrow,
    hash: result.hash,
    action: "cancelSession",
  });
  return { ...result, refund: e.refund };
}
