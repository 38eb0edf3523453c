/**
 * Small SVG charts over the feed's time series (bars for counts, a line for rates), each with a
 * one-line summary for screen readers and a table of its figures behind "Show the figures".
 */
import { h } from "./dom.ts";
import { formatTime } from "./format.ts";

/** One bucket: its start (unix seconds) and value (null: nothing to show, e.g. before registration). */
export interface Point {
  start: number;
  value: number | null;
}

export interface ChartSpec {
  /** `data-chart` of the figure (tests find charts by it). */
  id: string;
  title: string;
  kind: "bars" | "line";
  points: Point[];
  /** Bucket width in seconds. */
  bucket: number;
  /** A value as people read it ("1.2 GiB", "99.5 %"). */
  format: (value: number) => string;
  /** How the summary sums up the values: their total (counts), their mean or the latest known one (rates). */
  summary: "total" | "mean" | "latest";
  /** The top of the scale (default: the largest value). */
  max?: number;
  /** Said instead of a chart when every value is 0 or null. */
  empty: string;
}

/** The x-axis label of a bucket: its start hour within a day, its date across days. */
export function bucketLabel(start: number, bucket: number): string {
  const text = formatTime(start);
  return bucket >= 86_400 ? text.slice(0, 10) : text.slice(0, 16).replace("T", " ");
}

const WIDTH = 10; // viewBox units per bucket
const HEIGHT = 100;

/** A chart figure: caption with the summary, the SVG, its axis labels and a table of the figures. */
export function chart(spec: ChartSpec): HTMLElement {
  const values = spec.points.map((p) => p.value).filter((v): v is number => v !== null);
  const total = values.reduce((a, b) => a + b, 0);
  const range = spec.points.length
    ? `${bucketLabel(spec.points[0]!.start, spec.bucket)} – ${bucketLabel(spec.points.at(-1)!.start, spec.bucket)}`
    : "";
  const unit = spec.bucket >= 86_400 ? "day" : "hour";
  const latest = values.at(-1);
  const summary =
    spec.summary === "total"
      ? `${spec.format(total)} in all`
      : latest === undefined
        ? "no data"
        : spec.summary === "latest"
          ? `${spec.format(latest)} in the latest ${unit}`
          : `${spec.format(total / values.length)} on average over ${values.length} ${unit}${values.length === 1 ? "" : "s"}`;
  const figure = h(
    "figure",
    { class: "chart", "data-chart": spec.id },
    h("figcaption", null, h("strong", null, spec.title), h("span", { class: "muted" }, ` ${summary}, ${range}`)),
  );
  if (!values.some((v) => v > 0)) {
    figure.append(h("p", { class: "state empty" }, spec.empty));
    return figure;
  }
  const max = spec.max ?? Math.max(...values);
  const n = spec.points.length;
  const y = (v: number) => HEIGHT - (max > 0 ? (v / max) * (HEIGHT - 2) : 0);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  const attrs = (el: Element, a: Record<string, string | number>) => {
    for (const [k, v] of Object.entries(a)) el.setAttribute(k, String(v));
    return el;
  };
  const node = (tag: string, a: Record<string, string | number>, title?: string) => {
    const el = attrs(document.createElementNS("http://www.w3.org/2000/svg", tag), a);
    if (title) el.appendChild(attrs(document.createElementNS("http://www.w3.org/2000/svg", "title"), {})).append(title);
    return el;
  };
  attrs(svg, {
    viewBox: `0 0 ${n * WIDTH} ${HEIGHT}`,
    preserveAspectRatio: "none",
    role: "img",
    "aria-label": `${spec.title}: ${summary}, ${range}`,
    class: `chart-${spec.kind}`,
  });
  svg.append(node("line", { x1: 0, y1: HEIGHT, x2: n * WIDTH, y2: HEIGHT, class: "axis" }));
  const tip = (p: Point) => `${bucketLabel(p.start, spec.bucket)}: ${p.value === null ? "-" : spec.format(p.value)}`;
  if (spec.kind === "bars") {
    spec.points.forEach((p, i) => {
      if (!p.value) return;
      svg.append(
        node(
          "rect",
          { x: i * WIDTH + 1, y: y(p.value), width: WIDTH - 2, height: HEIGHT - y(p.value), "data-value": p.value },
          tip(p),
        ),
      );
    });
  } else {
    // One polyline per run of known values; a lone known value is a short dash.
    let run: string[] = [];
    const flush = () => {
      if (run.length === 1) run.push(run[0]!.replace(/^([\d.]+)/, (x) => String(Number(x) + WIDTH / 2)));
      if (run.length) svg.append(node("polyline", { points: run.join(" ") }));
      run = [];
    };
    spec.points.forEach((p, i) => {
      if (p.value === null) return flush();
      run.push(`${i * WIDTH + WIDTH / 2},${y(p.value)}`);
    });
    flush();
  }
  const first = spec.points[0]!;
  const last = spec.points.at(-1)!;
  figure.append(
    h(
      "div",
      { class: "chart-plot" },
      h("span", { class: "chart-max muted", "aria-hidden": "true" }, spec.format(max)),
      svg,
    ),
    h(
      "div",
      { class: "chart-x muted", "aria-hidden": "true" },
      h("span", null, bucketLabel(first.start, spec.bucket)),
      h("span", null, bucketLabel(last.start, spec.bucket)),
    ),
    h(
      "details",
      null,
      h("summary", null, "Show the figures"),
      h(
        "table",
        { class: "chart-table" },
        h("caption", null, spec.title),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", { scope: "col" }, spec.bucket >= 86_400 ? "Day (UTC)" : "Hour (UTC)"),
            h("th", { scope: "col" }, "Value"),
          ),
        ),
        h(
          "tbody",
          null,
          spec.points.map((p) =>
            h(
              "tr",
              { "data-start": p.start, "data-value": p.value ?? "" },
              h("td", null, bucketLabel(p.start, spec.bucket)),
              h("td", null, p.value === null ? "-" : spec.format(p.value)),
            ),
          ),
        ),
      ),
    ),
  );
  return figure;
}

/** Ranges people pick from: the last 24 hours and 7 days by hour, the last 30 days by day. */
export const RANGES = [
  { label: "24 h", bucket: "hour", seconds: 3600, count: 24 },
  { label: "7 d", bucket: "hour", seconds: 3600, count: 168 },
  { label: "30 d", bucket: "day", seconds: 86_400, count: 30 },
] as const;
export type Range = (typeof RANGES)[number];

/** The series arguments of a range ending at `now`. */
export function rangeArgs(r: Range, now: number): { bucket: Range["bucket"]; from: number } {
  return { bucket: r.bucket, from: now - (r.count - 1) * r.seconds };
}

/** Buttons choosing a range; the chosen one is pressed. */
export function rangePicker(current: Range, pick: (r: Range) => void): HTMLElement {
  return h(
    "div",
    { class: "ranges", role: "group", "aria-label": "Time range" },
    RANGES.map((r) =>
      h(
        "button",
        { type: "button", "aria-pressed": r === current ? "true" : "false", onclick: () => pick(r) },
        r.label,
      ),
    ),
  );
}
