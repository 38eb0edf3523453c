import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId } from "../../internal/validate.ts";
import { writeAndWait } from "../../internal/write.ts";
import { closeOutcome, type SessionCloseOutcome } from "./settlement.ts";

/** What {@link closeSession} returns: the transaction, its receipt and the decoded result. */
export type CloseSessionReturnType = WriteResult & SessionCloseOutcome;

/**
 * Closes a session. By the client: opens the settlement window for the provider's last
 * claim (then anyone calls {@link finalizeSession}). By the provider: settles at once.
 * @param client a DvpnClient whose account is the session's client or provider.
 * @param params the session id.
 * @returns the transaction, the settlement deadline, and paid/refund when it settled at once.
 * @example const { settlementDeadline } = await closeSession(client, { sessionId: 1n })
 */
export async function closeSession(
  client: DvpnContext,
  params: { sessionId: bigint },
): Promise<CloseSessionReturnType> {
  const sessionId = checkSessionId(params.sessionId);
  const result = await writeAndWait(client, {
    address: addresses(client).escrow,
    abi: sessionEscrowAbi,
    functionName: "closeSession",
    args: [sessionId],
  });
  return { ...result, ...closeOutcome(result.receipt.logs, sessionId) };
}
