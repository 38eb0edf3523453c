/** Number formatting shared by the summary sections. */

/** A median with its spread over the rounds. */
export type Spread = { median: number; min: number; max: number; n?: number };

/** A number to `digits` significant digits with thousands separators, or "–". */
export const num = (v: unknown, digits = 3): string =>
  typeof v === "number" && Number.isFinite(v) ? Number(v.toPrecision(digits)).toLocaleString("en-US") : "–";

/** "598 [505–744]", or "598" for a single run. */
export const spreadOf = (s: Spread, scale = 1, unit = "") =>
  s.n === 1 || s.min === s.max
    ? `${num(s.median * scale)}${unit}`
    : `${num(s.median * scale)}${unit} [${num(s.min * scale)}–${num(s.max * scale)}]`;
