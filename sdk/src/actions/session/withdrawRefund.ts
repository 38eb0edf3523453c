import type { Address } from "viem";
import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";

/** What {@link withdrawRefund} returns: the transaction, its receipt and the amount withdrawn. */
export type WithdrawRefundReturnType = WriteResult & { amount: bigint };

/**
 * Withdraws the refunds the escrow credited to the client's account because the payment token
 * refused to deliver them (a blocklisted address, a reverting hook), to `to` (default: the account).
 * @param client a DvpnClient whose account was credited.
 * @param params where the tokens go.
 * @returns the transaction and the amount.
 * @throws {ContractRevertError} `EscrowNothingToWithdraw` when nothing is credited.
 * @example const { amount } = await withdrawRefund(client, { to: "0xSafeAddress…" })
 */
export async function withdrawRefund(
  client: DvpnContext,
  params: { to?: Address } = {},
): Promise<WithdrawRefundReturnType> {
  const escrow = addresses(client).escrow;
  const to = params.to ?? client.account?.address;
  if (!to) throw new TypeError("withdrawRefund needs `to` or a client with an account");
  const result = await writeAndWait(client, {
    address: escrow,
    abi: sessionEscrowAbi,
    functionName: "withdrawRefund",
    args: [to],
  });
  const e = findEvent({
    abi: sessionEscrowAbi,
    logs: result.receipt.logs,
    eventName: "RefundWithdrawn",
    address: escrow,
    hash: result.hash,
    action: "withdrawRefund",
  });
  return { ...result, amount: e.amount };
}
