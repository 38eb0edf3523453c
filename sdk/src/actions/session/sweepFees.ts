import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";

/** What {@link sweepFees} returns: the transaction, its receipt and the amount swept. */
export type SweepFeesReturnType = WriteResult & { amount: bigint };

/**
 * Sends the protocol fees accrued in the escrow to the treasury. Anyone may call it. A session's
 * fee accrues when the session settles (closed by its provider, finalized, or closed with a voucher).
 * @param client a DvpnClient with an account (it pays the gas).
 * @returns the transaction and the amount.
 * @throws {ContractRevertError} `EscrowNothingToWithdraw` when no fee has accrued.
 * @example const { amount } = await sweepFees(client)
 */
export async function sweepFees(client: DvpnContext): Promise<SweepFeesReturnType> {
  const escrow = addresses(client).escrow;
  const result = await writeAndWait(client, {
    address: escrow,
    abi: sessionEscrowAbi,
    functionName: "sweepFees",
    args: [],
  });
  const e = findEvent<{ amount: bigint }>({
    abi: sessionEscrowAbi,
    logs: result.receipt.logs,
    eventName: "FeesSwept",
    address: escrow,
    hash: result.hash,
    action: "sweepFees",
  });
  return { ...result, amount: e.amount };
}
