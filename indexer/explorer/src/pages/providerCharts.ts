/**
 * A provider over time: uptime and acceptance latency per hour or day, from the feed's
 * `Provider.series`, for the range the visitor picks.
 */
import type { Address } from "viem";
import { getProviderSeries } from "../../../../sdk/src/feed/actions.ts";
import { feed, nowSeconds } from "../app.ts";
import { chart, rangeArgs, rangePicker, RANGES, type Range } from "../chart.ts";
import { emptyView, errorView, h, loadingView, replace } from "../dom.ts";
import { formatDuration, percent } from "../format.ts";

let range: Range = RANGES[0];

/** Fills `el` with the provider's charts (loading, error and empty views included). */
export function providerCharts(el: HTMLElement, id: Address): void {
  const body = h("div", { class: "charts" }, loadingView("the charts"));
  const picker = h("div");
  const draw = () =>
    replace(
      picker,
      rangePicker(range, (r) => {
        range = r;
        draw();
        replace(body, loadingView("the charts"));
        void load();
      }),
    );
  draw();
  replace(el, h("div", { class: "section-head" }, h("h2", { id: "history-h" }, "History"), picker), body);
  async function load(): Promise<void> {
    const picked = range;
    try {
      const series = await getProviderSeries(feed, { id, ...rangeArgs(picked, nowSeconds()) });
      if (picked !== range) return;
      if (!series) return replace(body, emptyView(`The indexer knows no provider ${id}.`));
      const per = picked.bucket === "day" ? "per day" : "per hour";
      replace(
        body,
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
      );
    } catch (err) {
      if (picked === range)
        replace(
          body,
          errorView("the charts", err, () => void load()),
        );
    }
  }
  void load();
}
