import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId } from "../../internal/validate.ts";
import { writeAndWait } from "../../internal/write.ts";
import { closeOutcome, type SessionCloseOutcome } from "./settlement.ts";

/** What {@link finalizeSession} returns: the transaction, its receipt and the decoded result. */
export type FinalizeSessionReturnType = WriteResult & SessionCloseOutcome;

/**
 * Settles a session the client closed, once its settlement window is over; the rest of the
 * deposit returns to the client. Anyone may call it.
 * @param client a DvpnClient with an account.
 * @param params the session id.
 * @returns the transaction with the amounts paid and refunded.
 * @throws {ContractRevertError} `EscrowSettlementWindowOpen` while the window is open.
 * @example const { refund } = await finalizeSession(client, { sessionId: 1n })
 */
export async function finalizeSession(
  client: DvpnContext,
  params: { sessionId: bigint },
): Promise<FinalizeSessionReturnType> {
  const sessionId = checkSessionId(params.sessionId);
  const result = await writeAndWait(client, {
    address: addresses(client).escrow,
    abi: sessionEscrowAbi,
    functionName: "finalize",
    args: [sessionId],
  });
  return { ...result, ...closeOutcome(result.receipt.logs, sessionId) };
}
