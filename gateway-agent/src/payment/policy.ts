/**
 * Payment policy: when a peer is cut (signed usage lags the meter, or the deposit is spent)
 * and when a voucher is worth a claim. Pure functions over bigints.
 */
import { priceUsage, type SessionTerms } from "../../../sdk/src/vouchers/usage.ts";

/** How far signed usage may trail the agent's own meter. */
export interface LagTolerance {
  bytes: bigint;
  /** Extra allowance in percent of the metered bytes (and seconds). */
  percent: number;
  seconds: bigint;
}

/** Usage totals of one session. */
export interface Usage {
  bytes: bigint;
  seconds: bigint;
}

/** Why a peer must go, or null to keep serving it. */
export type CutReason = "voucher-lag-bytes" | "voucher-lag-seconds" | "deposit-spent" | null;

/**
 * Decides whether to keep serving a session.
 * - `voucher-lag-bytes`: metered − signed bytes > tolerance.bytes + percent % of metered;
 * - `voucher-lag-seconds`: likewise for seconds;
 * - `deposit-spent`: the metered usage already costs the whole deposit.
 */
export function evaluateLag(params: {
  metered: Usage;
  signed: Usage;
  terms: SessionTerms;
  tolerance: LagTolerance;
}): CutReason {
  const { metered, signed, terms, tolerance } = params;
  const pct = BigInt(Math.round(tolerance.percent * 100));
  if (metered.bytes - signed.bytes > tolerance.bytes + (metered.bytes * pct) / 10_000n) return "voucher-lag-bytes";
  if (metered.seconds - signed.seconds > tolerance.seconds + (metered.seconds * pct) / 10_000n) {
    return "voucher-lag-seconds";
  }
  if (terms.deposit > 0n && priceUsage(terms, metered) >= terms.deposit) return "deposit-spent";
  return null;
}

/** Whether `voucher` is strictly above `claimed` for the escrow: no field below, one above. */
export function isAbove(voucher: Usage, claimed: Usage): boolean {
  return (
    voucher.bytes >= claimed.bytes &&
    voucher.seconds >= claimed.seconds &&
    (voucher.bytes > claimed.bytes || voucher.seconds > claimed.seconds)
  );
}

/**
 * Whether to claim `voucher` now: it is above the claimed totals and either worth at least
 * `everyAmount` more, or `intervalSeconds` passed since the last claim.
 */
export function shouldClaim(params: {
  voucher: Usage;
  claimed: Usage;
  terms: SessionTerms;
  lastClaimAt: number;
  now: number;
  everyAmount: bigint;
  intervalSeconds: number;
}): boolean {
  const { voucher, claimed, terms } = params;
  if (!isAbove(voucher, claimed)) return false;
  const gain = priceUsage(terms, voucher) - priceUsage(terms, claimed);
  return gain >= params.everyAmount || params.now - params.lastClaimAt >= params.intervalSeconds;
}
