/**
 * How a cost grows with size, computed from the measured points (never assumed): the log-log
 * slope of the cost, a linear fit to tell an affine cost (fixed part + per-item part) from a
 * truly sub-linear one, and a sentence that says which and why.
 */
import type { GrowthClass, Series, SeriesPoint } from "./series.ts";
import { logLogSlope, round } from "./stats.ts";

export type { GrowthClass };

/** The growth of one group of a series. */
export interface Growth {
  series: string;
  group: string;
  /** Exponent k of cost ∝ size^k (least squares on log-log over the medians). */
  exponent: number;
  growth: GrowthClass;
  points: number;
  sentence: string;
}

/** Classifies a cost exponent; |k| < 0.1 counts as constant, 0.9–1.1 as linear. */
export function classify(k: number): GrowthClass {
  if (k <= -0.1) return "falling";
  if (k < 0.1) return "constant";
  if (k < 0.9) return "sub-linear";
  if (k <= 1.1) return "linear";
  return "super-linear";
}

const describe: Record<GrowthClass, string> = {
  falling: "falls as size grows",
  constant: "does not grow with size (flat)",
  "sub-linear": "grows sub-linearly",
  linear: "grows linearly",
  "super-linear": "grows worse than linearly",
};

/** Ordinary least squares y = a + b·x with R². */
export function linearFit(points: readonly { x: number; y: number }[]): { a: number; b: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
    syy += (p.y - my) ** 2;
  }
  const b = sxx === 0 ? 0 : sxy / sxx;
  const a = my - b * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { a, b, r2 };
}

const fmt = (v: number) => {
  const r = round(v, 3);
  return Math.abs(r) >= 1e4 ? r.toLocaleString("en-US") : String(r);
};

/**
 * The growth of every non-reference group of `series` with at least two sizes.
 * The cost analysed is y itself for costs; for throughputs it is x / y (total time) when x is
 * the work done and 1 / y (time per unit of work) otherwise.
 */
export function analyseGrowth(series: Series): Growth[] {
  const groups = new Map<string, SeriesPoint[]>();
  for (const p of series.points) {
    if (series.referenceGroups?.includes(p.group)) continue;
    groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
  }
  const out: Growth[] = [];
  for (const [group, raw] of groups) {
    const pts = [...raw].sort((a, b) => a.x - b.x);
    const cost = pts.map((p) => ({
      x: p.x,
      y: !series.higherIsBetter ? p.median : series.xIsWork ? p.x / p.median : 1 / p.median,
    }));
    const k = logLogSlope(cost);
    if (k === undefined) continue;
    const growth = classify(k);
    const first = pts[0]!;
    const last = pts.at(-1)!;
    const what = series.higherIsBetter
      ? series.xIsWork
        ? "total time (size ÷ rate)"
        : "cost per unit of work (1 ÷ rate)"
      : "cost";
    let sentence =
      `${series.title}${groups.size > 1 ? ` — ${group}` : ""}: ${fmt(first.median)} at ${fmt(first.x)} → ` +
      `${fmt(last.median)} at ${fmt(last.x)} (${series.y.label}); the ${what} ${describe[growth]} ` +
      `(log-log slope ${round(k, 2)} over ${pts.length} sizes)`;
    sentence += because(series, cost, growth, first, last);
    const cause = causeOf(series, group, growth);
    sentence += cause ? `. Why: ${cause}` : "";
    sentence += sentence.endsWith(".") ? "" : ".";
    out.push({ series: series.id, group, exponent: round(k, 3), growth, points: pts.length, sentence });
  }
  return out;
}

/** The cause the benchmark gives for `group` growing as `growth` (see {@link Series.causes}). */
function causeOf(series: Series, group: string, growth: GrowthClass): string | undefined {
  const c = series.causes?.[group];
  if (typeof c === "string") return c.trim() || undefined;
  return (c?.[growth] ?? c?.any)?.trim() || undefined;
}

/**
 * The reason, read off the numbers: differences within the run-to-run spread; an affine cost
 * (a fixed part plus a part per unit of size, which looks sub-linear on a log-log plot and tends
 * to linear as size grows); or how the cost per unit of size moves.
 */
function because(
  series: Series,
  cost: { x: number; y: number }[],
  growth: GrowthClass,
  first: SeriesPoint,
  last: SeriesPoint,
): string {
  const change = (last.median / first.median - 1) * 100;
  const range = `across a ${fmt(last.x / first.x)}× range the figure moves ${change > 0 ? "+" : ""}${round(change, 2)}%`;
  const lo = (p: SeriesPoint) => p.min ?? p.median;
  const hi = (p: SeriesPoint) => p.max ?? p.median;
  const spread = first.min !== undefined || last.min !== undefined;
  if (spread && lo(first) <= hi(last) && lo(last) <= hi(first))
    return `: ${range}, within the run-to-run spread (the min–max ranges at both ends overlap), so no dependence on size is measurable`;
  if (growth === "constant")
    return series.xIsWork
      ? `: ${range}, so a fixed cost dominates and the part per item is negligible at these sizes`
      : `: ${range}, so the work per operation barely depends on size`;
  if (growth === "sub-linear" || growth === "linear") {
    const fit = linearFit(cost);
    const exact = cost.length === 2;
    if (fit.a > 0 && fit.b > 0 && (exact || fit.r2 > 0.98)) {
      const unit = series.higherIsBetter ? (series.xIsWork ? "size ÷ rate" : "1 ÷ rate") : series.y.label;
      const how = exact ? "with two sizes this reads as" : `it fits (R² ${round(fit.r2, 3)})`;
      const tail =
        growth === "sub-linear"
          ? `the fixed part dominates at these sizes, so growth tends to linear at larger ones`
          : `the part per unit of size dominates`;
      return `: ${how} ${fmt(fit.a)} fixed + ${fmt(fit.b)} per unit of x (in ${unit}; x = ${series.x.label}); ${tail}`;
    }
  }
  const c0 = cost[0]!;
  const c1 = cost.at(-1)!;
  const perUnit = (c1.y / c1.x / (c0.y / c0.x) - 1) * 100;
  if (growth === "linear")
    return `: the cost per unit of size stays about the same (${round(perUnit, 2)}% across the range)`;
  if (growth === "super-linear")
    return `: the cost per unit of size rises ${round(perUnit, 3)}% across the range, so something per item grows with size`;
  if (growth === "falling") return `: ${range}`;
  return `: the cost per unit of size falls ${round(-perUnit, 3)}% across the range, as fixed costs are spread over more items`;
}
