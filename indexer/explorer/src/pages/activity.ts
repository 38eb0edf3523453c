/** Sessions opened per hour over the last 24 h, as bars (from the feed's latest sessions). */
import { findSessions } from "../../../../sdk/src/feed/actions.ts";
import { feed, nowSeconds } from "../app.ts";
import { h } from "../dom.ts";

const HOURS = 24;

/**
 * A bar per hour of the last 24 h with the sessions opened in it (at most the latest 1000).
 * @returns the chart, or a line saying nothing was opened.
 */
export async function activityChart(): Promise<HTMLElement> {
  const page = await findSessions(feed, { orderBy: "openedAt", orderDirection: "desc", first: 1000 });
  const now = nowSeconds();
  const counts = new Array<number>(HOURS).fill(0);
  for (const s of page.items) {
    const age = Math.floor((now - s.openedAt) / 3600);
    if (age >= 0 && age < HOURS) counts[HOURS - 1 - age]! += 1;
  }
  const max = Math.max(1, ...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  return h(
    "figure",
    { class: "activity" },
    h(
      "div",
      { class: "hours", role: "img", "aria-label": `${total} session(s) opened in the last 24 hours` },
      counts.map((n, i) =>
        h("span", {
          class: "hour",
          style: `height:${((n / max) * 100).toFixed(0)}%`,
          title: `${HOURS - 1 - i} h ago: ${n} session(s)`,
        }),
      ),
    ),
    h("figcaption", { class: "muted" }, `Sessions opened per hour, last 24 h (${total}); the newest hour on the right`),
  );
}
