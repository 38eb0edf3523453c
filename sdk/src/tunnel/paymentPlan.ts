/**
 * How far ahead of its own tunnel counter a client signs (pure, runs anywhere). The provider's
 * agent cuts a peer whose signed bytes trail its meter by more than its tolerance (bytes +
 * percent of the meter); the agent's meter also runs ahead of the client's counter by what the
 * path loses (the provider counts what it sent). So the client signs its counter times the
 * ratio it has seen between the agent's meter and its counter, plus what its measured rate
 * will carry before the next voucher lands, never more than its credit allows.
 */

/**
 * The agent's voucher lag tolerance (as advertised in its session view): signed bytes may trail
 * the meter as it read `graceSeconds` ago by `bytes` + `percent` % of it, and the meter now by
 * at most `maxBytes`; signed seconds may trail the time since acceptance by `seconds` + `percent` %.
 */
export interface VoucherTolerance {
  bytes: bigint;
  /** Percent of the metered bytes (and seconds) allowed on top of `bytes`. */
  percent: number;
  seconds: bigint;
  /** Seconds a client has to pay for bytes (0 or absent: the meter now is the reference). */
  graceSeconds?: number;
  /** Most bytes signed usage may trail the meter now, grace or not. */
  maxBytes?: bigint;
}

/** The agent's default tolerance (docs/agent-api.md), used until the agent advertises its own. */
export const DEFAULT_VOUCHER_TOLERANCE: VoucherTolerance = {
  bytes: 1n << 20n,
  percent: 5,
  seconds: 120n,
  graceSeconds: 10,
  maxBytes: 1n << 30n,
};

/** The client's limits on signing ahead. */
export interface CreditPolicy {
  /** Most bytes signed beyond the counter (plus the percent below). Default 64 MiB. */
  maxCreditBytes: bigint;
  /**
   * Most percent of its own counter the client pays on top of it (the provider's meter counts
   * packets the path lost). Default 25: wireguard-go in user space loses up to ~20 % at line rate.
   */
  maxOverPercent: number;
  /** Seconds of traffic at the measured rate that each voucher covers ahead. Default 0.3. */
  horizonSeconds: number;
  /**
   * Bytes signed ahead even when idle (or the agent's fixed tolerance, if larger): what covers a
   * jump from idle to full speed before the next counter reading measures it. Default 6 MiB.
   */
  leadBytes: bigint;
}

/** Default {@link CreditPolicy}. */
export const DEFAULT_CREDIT_POLICY: CreditPolicy = {
  maxCreditBytes: 64n << 20n,
  maxOverPercent: 25,
  horizonSeconds: 0.3,
  leadBytes: 6n << 20n,
};

/** Inputs of {@link planVoucherBytes}. */
export interface PlanInput {
  /** The client's own counter (rx + tx of the provider peer). */
  counter: bigint;
  /** Bytes per second the counter grows at (recent). */
  rate: number;
  /** Agent meter ÷ client counter as last observed, already clamped (1 when unknown). */
  ratio: number;
  /** Bytes already signed. */
  signed: bigint;
  tolerance: VoucherTolerance;
  policy: CreditPolicy;
}

/** What {@link planVoucherBytes} decides. */
export interface Plan {
  /** Sign a new voucher now. */
  due: boolean;
  /** Bytes to sign when due (never below `signed`, never above {@link creditCap}). */
  bytes: bigint;
}

const scale = (v: bigint, factor: number): bigint => (v * BigInt(Math.round(factor * 1_000_000))) / 1_000_000n;

/**
 * The most a client signs for a counter: counter × (1 + maxOverPercent %) + maxCreditBytes.
 * This is the client's worst case: bytes paid but never received.
 * @param counter the client's counter.
 * @param policy the credit policy.
 * @returns the cap in bytes.
 * @example creditCap(100n << 20n, DEFAULT_CREDIT_POLICY) // 125 MiB + 64 MiB
 */
export function creditCap(counter: bigint, policy: CreditPolicy): bigint {
  return scale(counter, 1 + policy.maxOverPercent / 100) + policy.maxCreditBytes;
}

/**
 * Decides whether to sign now and for how many bytes. The target is the expected agent meter a
 * horizon from now plus a standing lead (`leadBytes`, or the agent's fixed tolerance if larger);
 * a voucher is due when less than half of that lead is left.
 * @param p counter, rate, ratio, signed so far, the agent's tolerance and the credit policy.
 * @returns whether a voucher is due and its bytes.
 * @example planVoucherBytes({ counter, rate, ratio: 1, signed, tolerance: DEFAULT_VOUCHER_TOLERANCE, policy: DEFAULT_CREDIT_POLICY })
 */
export function planVoucherBytes(p: PlanInput): Plan {
  const ahead = BigInt(Math.ceil(p.rate * p.policy.horizonSeconds));
  const expected = scale(p.counter, p.ratio);
  const lead = p.policy.leadBytes > p.tolerance.bytes ? p.policy.leadBytes : p.tolerance.bytes;
  const target = expected + scale(ahead, p.ratio) + lead;
  const cap = creditCap(p.counter, p.policy);
  const bytes = target < cap ? target : cap;
  const keepAtLeast = expected + scale(ahead, p.ratio / 2) + lead / 2n;
  const due = p.signed < (keepAtLeast < cap ? keepAtLeast : cap) && bytes > p.signed;
  return { due, bytes: bytes > p.signed ? bytes : p.signed };
}

/**
 * The ratio of the agent's meter to the client's counter, from one report of the agent's meter
 * and the client's counter when the agent last read it (the midpoint of the interval in which
 * its meter changed), clamped to [1, 1 + maxOverPercent %]. Small counters say nothing: 1.
 * @param metered the agent's meter.
 * @param counterThen the client's counter around the agent's reading.
 * @param policy the credit policy.
 * @returns the ratio.
 * @example meterRatio(116n << 20n, 100n << 20n, DEFAULT_CREDIT_POLICY) // 1.16
 */
export function meterRatio(metered: bigint, counterThen: bigint, policy: CreditPolicy): number {
  if (counterThen < 4n << 20n) return 1;
  const r = Number((metered * 1_000_000n) / counterThen) / 1_000_000;
  return Math.min(1 + policy.maxOverPercent / 100, Math.max(1, r));
}
