/**
 * A measured series (a figure against a size: gas vs claims, events/s vs event count, …) in
 * the one shape the charts and the growth sentences read.
 */

/** Growth classes, by the exponent k of cost ∝ size^k (see bench/lib/growth.ts). */
export type GrowthClass = "falling" | "constant" | "sub-linear" | "linear" | "super-linear";

/** One measured point of a series: the median of several runs and their spread. */
export interface SeriesPoint {
  /** Line the point belongs to (e.g. "wireguard-go tunnel", "providers query"). */
  group: string;
  x: number;
  median: number;
  min?: number;
  max?: number;
}

/** A figure measured at several sizes. */
export interface Series {
  /** File-name-safe id; the chart is written to docs/perf/<id>.svg. */
  id: string;
  title: string;
  x: { label: string };
  y: { label: string };
  /** True when y is a throughput (higher is better), false when it is a cost (time, gas, latency). */
  higherIsBetter: boolean;
  /**
   * True when x is the amount of work done by the measured operation (events indexed, claims in
   * a session), so total cost = x × cost per item; false when x is a size of the surroundings
   * (providers in the database, peers on the interface) and y is the cost of one operation.
   */
  xIsWork: boolean;
  /** Groups that are references (baselines), not costs to classify. */
  referenceGroups?: string[];
  points: SeriesPoint[];
  /**
   * Why a group's cost grows as it does, from what the measured code does (the SQL it runs, the
   * work per item), appended to the group's growth sentence. A string applies whatever growth
   * was measured; a record gives one cause per growth class ("any" for the others), so the
   * sentence never explains a growth that was not measured.
   */
  causes?: Record<string, string | Partial<Record<GrowthClass | "any", string>>>;
  /** Where the series came from (the sub-benchmark's result file). */
  source: string;
}
