/**
 * Session: its terms, its claims as a timeline, and where the deposit went (paid to the
 * provider, protocol fee, refund); followed live over the feed's SSE subscription.
 */
import { getFeedSession } from "../../../../sdk/src/feed/actions.ts";
import { watchSession } from "../../../../sdk/src/feed/subscribe.ts";
import type { FeedSessionDetail } from "../../../../sdk/src/feed/types.ts";
import { feed, loadConfig, type ExplorerConfig } from "../app.ts";
import { emptyView, errorView, facts, h, loadingView, replace } from "../dom.ts";
import { amount, bps, formatBytes, formatDuration, formatTime, price, shortAddress } from "../format.ts";

export async function renderSession(main: HTMLElement, signal: AbortSignal, idText: string): Promise<void> {
  const id = BigInt(idText);
  const title = h("h1", null, `Session #${id}`);
  replace(main, title, loadingView("the session"));
  const config = await loadConfig();
  const body = h("div", { "aria-live": "polite" });
  const load = async () => {
    try {
      const s = await getFeedSession(feed, { id });
      if (signal.aborted) return;
      replace(body, s ? view(s, config) : emptyView(`The indexer knows no session ${id}.`));
    } catch (err) {
      replace(
        body,
        errorView("the session", err, () => void load()),
      );
    }
  };
  await load();
  replace(main, title, body);
  void (async () => {
    let first = true;
    try {
      for await (const _ of watchSession(feed, { id, signal })) {
        if (!first) await load();
        first = false;
      }
    } catch {
      /* unknown session or the stream ended: the page keeps what it shows */
    }
  })();
}

function view(s: FeedSessionDetail, config: ExplorerConfig): HTMLElement {
  const usd = (v: bigint) => amount(v, config.paymentToken);
  const providerShare = s.paid - s.fees;
  const events: [number, string][] = [[s.openedAt, `Opened with a deposit of ${usd(s.deposit)}`]];
  if (s.acceptedAt) events.push([s.acceptedAt, `Accepted by the provider, tunnel address ${s.tunnelAddress ?? "-"}`]);
  for (const c of s.claims) {
    events.push([
      c.timestamp,
      `Claim: ${formatBytes(c.totalBytes)} and ${formatDuration(Number(c.totalSeconds))} in total; ` +
        `${usd(c.amount)} paid now (fee ${usd(c.fee)}), ${usd(c.totalPaid)} so far`,
    ]);
  }
  if (s.closedAt) events.push([s.closedAt, `Closed by ${s.closedBy ? shortAddress(s.closedBy) : "-"}`]);
  if (s.settledAt) events.push([s.settledAt, `Settled: ${usd(s.refund ?? 0n)} refunded to the client`]);
  return h(
    "div",
    null,
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        null,
        h("h2", null, "Terms"),
        facts(
          [
            ["Provider", h("a", { href: `#/provider/${s.provider}`, class: "mono" }, s.provider)],
            ["Client", h("span", { class: "mono" }, s.client)],
            ["Voucher signer", h("span", { class: "mono" }, s.signer)],
            ["Price per GiB", price(s.pricePerGiB, config.paymentToken, "GiB")],
            ["Price per minute", price(s.pricePerMinute, config.paymentToken, "min")],
            ["Protocol fee", bps(s.feeBps)],
            ["Accept by", formatTime(s.acceptDeadline)],
          ],
          "terms",
        ),
      ),
      h(
        "section",
        null,
        h("h2", null, "Money"),
        facts(
          [
            ["Status", s.outcome ? `${s.status} (${s.outcome})` : s.status],
            ["Deposit", usd(s.deposit)],
            ["Paid", usd(s.paid)],
            ["To the provider", usd(providerShare)],
            ["Protocol fee", usd(s.fees)],
            ["Refund", s.refund === null ? "not settled yet" : usd(s.refund)],
            ["Usage claimed", `${formatBytes(s.claimedBytes)}, ${formatDuration(Number(s.claimedSeconds))}`],
          ],
          "money",
        ),
      ),
    ),
    h(
      "section",
      null,
      h("h2", null, "Timeline"),
      h(
        "ol",
        { class: "timeline", "data-testid": "timeline" },
        events.map(([t, text]) => h("li", null, h("time", null, formatTime(t)), h("span", null, text))),
      ),
    ),
  );
}
