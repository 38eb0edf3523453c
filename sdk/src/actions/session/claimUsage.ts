import type { Hex } from "viem";
import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId, checkUint } from "../../internal/validate.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";
import { InvalidInputError } from "../../errors/input.ts";

/** Parameters of {@link claimUsage}. */
export interface ClaimUsageParameters {
  sessionId: bigint;
  /** Cumulative bytes of the voucher. */
  bytes: bigint;
  /** Cumulative seconds of the voucher. */
  seconds: bigint;
  /** The session signer's 65-byte signature of the voucher. */
  signature: Hex;
}

/** What {@link claimUsage} returns: the transaction, its receipt and the decoded result. */
export type ClaimUsageReturnType = WriteResult & {
  /** Gross increase paid for this voucher. */
  amount: bigint;
  /** Part of `amount` sent to the treasury. */
  fee: bigint;
  /** Gross total paid in the session so far. */
  totalPaid: bigint;
};

/** Checks a voucher's fields and signature shape. */
export function checkVoucherInput(params: ClaimUsageParameters): [bigint, bigint, bigint, Hex] {
  if (typeof params.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(params.signature)) {
    throw new InvalidInputError({ field: "signature", value: params.signature, reason: "must be 65 bytes of hex" });
  }
  return [
    checkSessionId(params.sessionId),
    checkUint(params.bytes, "bytes", 64),
    checkUint(params.seconds, "seconds", 64),
    params.signature,
  ];
}

/**
 * The provider claims payment for a usage voucher (the increase since its last claim, minus
 * the protocol fee).
 * @param client a DvpnClient whose account is the session's provider.
 * @param params the voucher and its signature.
 * @returns the transaction and the amounts paid.
 * @throws {ContractRevertError} `EscrowStaleVoucher`, `EscrowInvalidSignature`.
 * @example await claimUsage(client, { sessionId: 1n, bytes: 1n << 30n, seconds: 600n, signature })
 */
export async function claimUsage(client: DvpnContext, params: ClaimUsageParameters): Promise<ClaimUsageReturnType> {
  const args = checkVoucherInput(params);
  const escrow = addresses(client).escrow;
  const result = await writeAndWait(client, { address: escrow, abi: sessionEscrowAbi, functionName: "claim", args });
  const e = findEvent({
    abi: sessionEscrowAbi,
    logs: result.receipt.logs,
    eventName: "UsageClaimed",
    address: escrow,
    hash: result.hash,
    action: "claimUsage",
  });
  return { ...result, amount: e.amount, fee: e.fee, totalPaid: e.totalPaid };
}
