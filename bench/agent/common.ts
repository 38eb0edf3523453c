/** What the agent benchmark's parts share: a silent agent logger and how samples are reduced. */
import pino from "pino";

/** The agent's logger in the benchmark: silent, so logging costs nothing measurable. */
export const silent = pino({ level: "silent" });

/** The lower median of `xs` (0 for none). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] ?? 0) : 0;
};

/** The `p` quantile of `xs` (0 ≤ p ≤ 1; 0 for none). */
export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0) : 0;
};

/** Rounds to one decimal. */
export const round = (x: number) => Math.round(x * 10) / 10;

/** Median, min and max of measured runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The {@link Spread} of `xs`. */
export const spread = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
