/**
 * A provider over time: uptime and acceptance latency per hour or day, from the feed's
 * `Provider.series`, for the range the visitor picks.
 */
import type { Address } from "viem";
import { getProviderSeries } from "../../../../sdk/src/feed/actions.ts";
import { feed, nowSeconds } from "../app.ts";
import { chart, chartSection, rangeArgs, RANGES, type Range } from "../chart.ts";
import { emptyView } from "../dom.ts";
import { formatDuration, percent } from "../format.ts";

/** The range picked, kept while the page is open. */
const state: { range: Range } = { range: RANGES[0] };

/** Fills `el` with the provider's charts (loading, error and empty views included). */
export function providerCharts(el: HTMLElement, id: Address): void {
  const load = chartSection({
    el,
    heading: "History",
    headingId: "history-h",
    state,
    render: async (picked) => {
      const series = await getProviderSeries(feed, { id, ...rangeArgs(picked, nowSeconds()) });
      if (!series) return emptyView(`The indexer knows no provider ${id}.`);
      const per = picked.bucket === "day" ? "per day" : "per hour";
      return [
        chart({
          id: "uptime",
          title: `Uptime ${per}`,
          kind: "line",
          bucket: picked.seconds,
          points: series.map((b) => ({ start: b.start, value: b.uptime })),
          format: (v) => percent(v),
          summary: "latest",
          max: 1,
          empty: `No heartbeat in the last ${picked.label}.`,
        }),
        chart({
          id: "accept",
          title: `Median time to accept a session, ${per}`,
          kind: "bars",
          bucket: picked.seconds,
          points: series.map((b) => ({ start: b.start, value: b.medianAcceptSeconds })),
          format: (v) => formatDuration(v),
          summary: "mean",
          empty: `No session accepted after a delay in the last ${picked.label}.`,
        }),
      ];
    },
  });
  void load();
}
