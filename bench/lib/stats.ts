/**
 * Summary statistics for benchmark samples: medians with min and max (never means, which one
 * noisy run on a shared machine drags around), ratios, and a log-log slope for growth.
 */

/** The median of several measured runs with the spread around it. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Number of measured runs (warm-up runs excluded). */
  n: number;
  /** The measured values, in run order. */
  values: number[];
}

/** The median of `values` (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Median, min and max of measured runs.
 * @example summarize([3, 1, 2]) // { median: 2, min: 1, max: 3, n: 3, values: [3, 1, 2] }
 */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error("summarize needs at least one value");
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length,
    values: [...values],
  };
}

/** Rounds to `digits` significant digits (figures are published, not false precision). */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** A {@link Summary} with every number rounded for publication. */
export function roundSummary(s: Summary, digits = 4): Summary {
  return {
    median: round(s.median, digits),
    min: round(s.min, digits),
    max: round(s.max, digits),
    n: s.n,
    values: s.values.map((v) => round(v, digits)),
  };
}

/**
 * Least-squares slope of log(y) against log(x): y ∝ x^slope over the measured range.
 * Points with non-positive coordinates are ignored; `undefined` with fewer than two distinct x.
 */
export function logLogSlope(points: readonly { x: number; y: number }[]): number | undefined {
  const p = points.filter((q) => q.x > 0 && q.y > 0).map((q) => ({ lx: Math.log(q.x), ly: Math.log(q.y) }));
  if (new Set(p.map((q) => q.lx)).size < 2) return undefined;
  const mx = p.reduce((a, q) => a + q.lx, 0) / p.length;
  const my = p.reduce((a, q) => a + q.ly, 0) / p.length;
  let num = 0;
  let den = 0;
  for (const q of p) {
    num += (q.lx - mx) * (q.ly - my);
    den += (q.lx - mx) ** 2;
  }
  return num / den;
}

/** A distribution-free confidence interval for a median: two order statistics of the sample. */
export interface MedianInterval {
  low: number;
  high: number;
  /** Probability that the interval holds the true median (exact, from the binomial distribution). */
  confidence: number;
}

function binomialCdf(k: number, n: number): number {
  let sum = 0;
  let c = 1;
  for (let i = 0; i <= k; i++) {
    if (i > 0) c = (c * (n - i + 1)) / i;
    sum += c;
  }
  return sum / 2 ** n;
}

/**
 * The narrowest interval [x(k), x(n−k+1)] of the sorted sample whose confidence of holding the
 * median is at least `level` (or the whole range when n is too small to reach it).
 * @example medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) // { low: 2, high: 9, confidence: 0.979 }
 */
export function medianInterval(values: readonly number[], level = 0.95): MedianInterval {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  let k = 1;
  // P(x(k) ≤ median ≤ x(n−k+1)) = 1 − 2·P(Bin(n, ½) ≤ k − 1)
  while (k + 1 <= n / 2 && 1 - 2 * binomialCdf(k, n) >= level) k += 1;
  return { low: s[k - 1]!, high: s[n - k]!, confidence: 1 - 2 * binomialCdf(k - 1, n) };
}
