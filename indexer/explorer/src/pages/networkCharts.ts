/**
 * The network over time: sessions opened, bytes claimed and providers online per hour or day,
 * from the feed's `networkSeries`, for the range the visitor picks.
 */
import { getNetworkSeries } from "../../../../sdk/src/feed/actions.ts";
import { feed, nowSeconds } from "../app.ts";
import { chart, rangeArgs, rangePicker, RANGES, type Range } from "../chart.ts";
import { errorView, h, loadingView, replace } from "../dom.ts";
import { formatBytes } from "../format.ts";

/** The range picked, kept while the page is open. */
let range: Range = RANGES[0];

/**
 * Fills `el` with the charts and returns a function that reloads them (after a new block)
 * without going through the loading view again.
 */
export function networkCharts(el: HTMLElement): () => Promise<void> {
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
  replace(el, h("div", { class: "section-head" }, h("h2", { id: "activity-h" }, "Activity"), picker), body);
  async function load(): Promise<void> {
    const picked = range;
    try {
      const series = await getNetworkSeries(feed, rangeArgs(picked, nowSeconds()));
      if (picked !== range) return; // another range was picked meanwhile
      const bucket = picked.seconds;
      const per = picked.bucket === "day" ? "per day" : "per hour";
      replace(
        body,
        chart({
          id: "sessions",
          title: `Sessions opened ${per}`,
          kind: "bars",
          bucket,
          points: series.map((b) => ({ start: b.start, value: b.sessionsOpened })),
          format: (v) => `${v} session${v === 1 ? "" : "s"}`,
          summary: "total",
          empty: `No session opened in the last ${picked.label}.`,
        }),
        chart({
          id: "bytes",
          title: `Bytes claimed ${per}`,
          kind: "bars",
          bucket,
          points: series.map((b) => ({ start: b.start, value: Number(b.bytes) })),
          format: (v) => formatBytes(BigInt(Math.round(v))),
          summary: "total",
          empty: `No bytes claimed in the last ${picked.label}.`,
        }),
        chart({
          id: "online",
          title: `Providers online (average ${per.replace("per ", "each ")})`,
          kind: "line",
          bucket,
          points: series.map((b) => ({ start: b.start, value: b.providersOnline })),
          format: (v) => (Number.isInteger(v) ? String(v) : v.toFixed(2)),
          summary: "latest",
          empty: `No provider sent a heartbeat in the last ${picked.label}.`,
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
  return load;
}
