import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { writeAndWait } from "../../internal/write.ts";
import { checkVoucherInput, type ClaimUsageParameters } from "./claimUsage.ts";
import { closeOutcome, type SessionCloseOutcome } from "./settlement.ts";

/** What {@link closeWithVoucher} returns: the transaction, its receipt and the decoded result. */
export type CloseWithVoucherReturnType = WriteResult & SessionCloseOutcome;

/**
 * The provider claims a final voucher and closes the session at once: paid and refunded in
 * one transaction.
 * @param client a DvpnClient whose account is the session's provider.
 * @param params the final voucher and its signature.
 * @returns the transaction with the amounts paid and refunded.
 * @example await closeWithVoucher(client, { sessionId: 1n, bytes, seconds, signature })
 */
export async function closeWithVoucher(
  client: DvpnContext,
  params: ClaimUsageParameters,
): Promise<CloseWithVoucherReturnType> {
  const args = checkVoucherInput(params);
  const result = await writeAndWait(client, {
    address: addresses(client).escrow,
    abi: sessionEscrowAbi,
    functionName: "closeWithVoucher",
    args,
  });
  return { ...result, ...closeOutcome(result.receipt.logs, args[0]) };
}
