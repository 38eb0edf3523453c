/**
 * Charts of measured series as standalone SVG, rendered in Node by Vega-Lite (compiled to
 * Vega, drawn by Vega's SVG string renderer: no browser, no canvas). Medians are lines with
 * points; min–max of the measured runs are vertical bars.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Series } from "./series.ts";

/** Renders `series` as an SVG document; `subtitle` says what machine and run it comes from. */
export async function renderChart(series: Series, subtitle: string): Promise<string> {
  const xs = series.points.map((p) => p.x).filter((x) => x > 0);
  const ys = series.points.flatMap((p) => [p.min ?? p.median, p.max ?? p.median]).filter((y) => y > 0);
  // Log-log when both axes span more than a decade or so (a power law is then a straight line);
  // otherwise linear axes, where an affine cost is a straight line.
  const wide = (v: number[]) => v.length > 0 && Math.max(...v) / Math.min(...v) >= 20;
  const logX = wide(xs) && wide(ys);
  const logY = logX;
  const values = series.points.map((p) => ({ ...p, min: p.min ?? p.median, max: p.max ?? p.median }));
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: series.x.label,
    scale: logX ? { type: "log" as const, nice: false } : { zero: false, nice: false },
    axis: { values: [...new Set(xs)].sort((a, b) => a - b), labelExpr: "format(datum.value, ',')" },
  };
  const yScale = logY ? { type: "log" as const } : { zero: true };
  const color = {
    field: "group",
    type: "nominal" as const,
    title: null,
    legend: { orient: "bottom" as const, labelLimit: 400, columns: 2 },
  };
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: series.title, subtitle },
    width: 560,
    height: 300,
    background: "white",
    data: { values },
    layer: [
      {
        mark: { type: "rule", strokeWidth: 2 },
        encoding: { x, y: { field: "min", type: "quantitative", scale: yScale }, y2: { field: "max" }, color },
      },
      {
        mark: { type: "line", point: true },
        encoding: {
          x,
          y: { field: "median", type: "quantitative", title: series.y.label, scale: yScale },
          color,
          tooltip: [{ field: "group" }, { field: "x" }, { field: "median" }, { field: "min" }, { field: "max" }],
        },
      },
    ],
  };
  const oneSize = new Set(series.points.map((p) => p.x)).size === 1;
  const view = new vega.View(vega.parse(compile(oneSize ? barSpec(series, subtitle) : spec).spec), {
    renderer: "none",
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A series measured at one size only: one bar per group, min–max as a rule. */
function barSpec(series: Series, subtitle: string): TopLevelSpec {
  const x0 = series.points[0]?.x ?? 0;
  const values = series.points.map((p) => ({ ...p, min: p.min ?? p.median, max: p.max ?? p.median }));
  const x = { field: "group", type: "nominal" as const, title: null, axis: { labelAngle: 0, labelLimit: 200 } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: series.title, subtitle: [`at ${x0.toLocaleString("en-US")} ${series.x.label}`, subtitle] },
    width: 560,
    height: 300,
    background: "white",
    data: { values },
    layer: [
      {
        mark: { type: "bar", width: { band: 0.6 } },
        encoding: {
          x,
          y: { field: "median", type: "quantitative", title: series.y.label },
          color: { field: "group", type: "nominal", legend: null },
        },
      },
      {
        mark: { type: "rule", strokeWidth: 2, color: "black" },
        encoding: { x, y: { field: "min", type: "quantitative" }, y2: { field: "max" } },
      },
      {
        mark: { type: "text", dy: -8 },
        encoding: { x, y: { field: "median", type: "quantitative" }, text: { field: "median", format: ",.3~r" } },
      },
    ],
  };
}
