import type { Hex, LocalAccount } from "viem";
import type { DvpnContext } from "../../client/types.ts";
import { checkSessionId, checkUint } from "../../internal/validate.ts";
import { signUsageVoucher, type UsageVoucher } from "../../vouchers/usage.ts";

/** Parameters of {@link signVoucher}. */
export interface SignVoucherParameters {
  sessionId: bigint;
  /** Cumulative bytes (uint64). */
  bytes: bigint;
  /** Cumulative seconds (uint64). */
  seconds: bigint;
  /** The session signer: the ephemeral key given as `signer` to {@link openSession}. */
  signer: LocalAccount;
}

/**
 * Signs a cumulative usage voucher for the client's escrow (the EIP-712 domain comes from
 * the client's chain and deployment).
 * @param client a DvpnClient.
 * @param params the voucher's totals and the session signer.
 * @returns the voucher and its 65-byte signature, ready for the agent's `POST /v1/vouchers`.
 * @example const { signature } = await signVoucher(client, { sessionId, bytes: 10_000_000n, seconds: 120n, signer })
 */
export async function signVoucher(
  client: DvpnContext,
  params: SignVoucherParameters,
): Promise<{ voucher: UsageVoucher; signature: Hex }> {
  const voucher = {
    sessionId: checkSessionId(params.sessionId),
    bytes: checkUint(params.bytes, "bytes", 64),
    seconds: checkUint(params.seconds, "seconds", 64),
  };
  const signature = await signUsageVoucher({
    account: params.signer,
    domain: { chainId: client.chain.id, escrow: client.deployment.contracts.SessionEscrow.address },
    voucher,
  });
  return { voucher, signature };
}
