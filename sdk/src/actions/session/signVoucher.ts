import type { Hex, LocalAccount } from "viem";
import type { DvpnContext } from "../../client/types.ts";
import { checkSessionId, checkUint } from "../../internal/validate.ts";
import { hashVoucherTerms, signUsageVoucher, type UsageVoucher, type VoucherTerms } from "../../vouchers/usage.ts";
import { getSession } from "../read/getSession.ts";

/** Parameters of {@link signVoucher}. */
export interface SignVoucherParameters {
  sessionId: bigint;
  /** Cumulative bytes (uint64). */
  bytes: bigint;
  /** Cumulative seconds (uint64). */
  seconds: bigint;
  /** The session signer: the ephemeral key given as `signer` to {@link openSession}. */
  signer: LocalAccount;
  /**
   * The session's terms as the client saw them when it opened (provider, deposit, prices), or
   * their hash. When omitted, the terms are read from the chain at the first voucher of the
   * session and kept for every later one, so a reorganisation that re-uses the id with other
   * terms afterwards cannot reprice what was signed.
   */
  terms?: VoucherTerms | Hex;
}

/** Terms hash per escrow and session id, fixed at the first voucher each client signs. */
const termsSeen = new WeakMap<DvpnContext, Map<string, Hex>>();

async function termsOf(client: DvpnContext, sessionId: bigint, given: VoucherTerms | Hex | undefined): Promise<Hex> {
  if (typeof given === "string") return given;
  if (given) return hashVoucherTerms(given);
  let seen = termsSeen.get(client);
  if (!seen) termsSeen.set(client, (seen = new Map()));
  const key = `${client.deployment.contracts.SessionEscrow.address}:${sessionId}`;
  let terms = seen.get(key);
  if (!terms) {
    const s = await getSession(client, { sessionId });
    terms = hashVoucherTerms(s);
    if (s.status !== "None") seen.set(key, terms);
  }
  return terms;
}

/**
 * Signs a cumulative usage voucher for the client's escrow (the EIP-712 domain comes from
 * the client's chain and deployment), bound to the session's terms.
 * @param client a DvpnClient.
 * @param params the voucher's totals, the session signer and optionally the session's terms.
 * @returns the voucher and its 65-byte signature, ready for the agent's `POST /v1/vouchers`.
 * @example const { signature } = await signVoucher(client, { sessionId, bytes: 10_000_000n, seconds: 120n, signer })
 */
export async function signVoucher(
  client: DvpnContext,
  params: SignVoucherParameters,
): Promise<{ voucher: UsageVoucher; signature: Hex }> {
  const sessionId = checkSessionId(params.sessionId);
  const voucher = {
    sessionId,
    terms: await termsOf(client, sessionId, params.terms),
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
