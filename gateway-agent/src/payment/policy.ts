/**
 * Payment policy: when a peer is cut (signed usage lags the meter, or the deposit is spent)
 * and when a voucher is worth a claim. Pure functions over bigints.
 */
import type { VoucherTolerance } from "../../../sdk/src/tunnel/paymentPlan.ts";
import { priceUsage, type SessionTerms } from "../../../sdk/src/vouchers/usage.ts";

/** How far signed usage may trail the agent's own meter: the tolerance the SDK's clients plan with. */
export type LagTolerance = VoucherTolerance;

/** The agent options a {@link LagTolerance} is read from. */
export interface LagToleranceOptions {
  lagToleranceBytes: bigint;
  lagTolerancePercent: number;
  lagToleranceSeconds: bigint;
  lagGraceSeconds: number;
  lagMaxBytes: bigint;
}

/**
 * The tolerance an agent's options configure (what it enforces and advertises).
 * @param o the agent's configuration.
 * @returns the tolerance.
 * @example lagToleranceOf(config).graceSeconds // 10
 */
export function lagToleranceOf(o: LagToleranceOptions): LagTolerance {
  return {
    bytes: o.lagToleranceBytes,
    percent: o.lagTolerancePercent,
    seconds: o.lagToleranceSeconds,
    graceSeconds: o.lagGraceSeconds,
    maxBytes: o.lagMaxBytes,
  };
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
 * - `voucher-lag-bytes`: signed bytes trail by more than tolerance.bytes + percent % the meter as
 *   it read `graceSeconds` ago (`meteredBefore`; none yet: no such cut), or trail the meter now by
 *   more than `maxBytes`. Without a grace, the meter now is the reference;
 * - `voucher-lag-seconds`: signed seconds trail the metered seconds by more than tolerance.seconds + percent %;
 * - `deposit-spent`: the metered usage already costs the whole deposit.
 */
export function evaluateLag(params: {
  metered: Usage;
  signed: Usage;
  terms: SessionTerms;
  tolerance: LagTolerance;
  /** The meter's bytes as read at least `tolerance.graceSeconds` ago, if it read that long ago. */
  meteredBefore?: bigint;
}): CutReason {
  const { metered, signed, terms, tolerance } = params;
  const pct = BigInt(Math.round(tolerance.percent * 100));
  const lagsBehind = (reference: bigint) => reference - signed.bytes > tolerance.bytes + (reference * pct) / 10_000n;
  const grace = (tolerance.graceSeconds ?? 0) > 0;
  const reference = grace ? params.meteredBefore : metered.bytes;
  if (reference !== undefined && lagsBehind(reference)) return "voucher-lag-bytes";
  if (tolerance.maxBytes !== undefined && metered.bytes - signed.bytes > tolerance.maxBytes) return "voucher-lag-bytes";
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
