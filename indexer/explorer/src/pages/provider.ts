/**
 * Provider: identity, endpoint and region, published exit policy and obfuscated transport, prices, stake and
 * unbonding, availability now (live over the feed's SSE subscription), reputation with its breakdown, sessions and
 * slashes.
 */
import type { Address } from "viem";
import { findSessions, getFeedProvider } from "../../../../sdk/src/feed/actions.ts";
import { watchProviderAvailability } from "../../../../sdk/src/feed/subscribe.ts";
import type { Availability, FeedExitPolicy, FeedProviderDetail } from "../../../../sdk/src/feed/types.ts";
import { describeExitPolicy } from "../../../../sdk/src/exitPolicy/exitPolicy.ts";
import { describeTransport } from "../../../../sdk/src/transport/offer.ts";
import { feed, loadConfig, nowSeconds, type ExplorerConfig } from "../app.ts";
import { bar, emptyView, errorView, facts, h, loadingView, replace, table } from "../dom.ts";
import {
  amount,
  formatBytes,
  formatDuration,
  formatTime,
  percent,
  price,
  relative,
  score,
  shortAddress,
} from "../format.ts";
import { providerCharts } from "./providerCharts.ts";
import { sessionRows } from "./sessionRows.ts";

/** The published exit policy: what it means, with the published text under it. */
function exitPolicyView(e: FeedExitPolicy): HTMLElement {
  if (e.text === "") return h("span", { "data-testid": "exit-policy" }, "none published (no restriction announced)");
  const meaning = e.wellFormed ? describeExitPolicy(e.text) : "malformed address range: read the text";
  return h(
    "span",
    { "data-testid": "exit-policy" },
    meaning,
    h("br", null),
    h("span", { class: "mono muted" }, e.text),
  );
}

/** The published obfuscated transport: what it is, with the certificate pin clients check under it. */
function transportView(t: FeedProviderDetail["transport"]): HTMLElement {
  const what = describeTransport(t);
  if (!t) return h("span", { "data-testid": "transport" }, what);
  return h(
    "span",
    { "data-testid": "transport" },
    what,
    h("br", null),
    h("span", { class: "mono muted", "data-testid": "transport-cert" }, `certificate sha256 ${t.certSha256}`),
  );
}

export async function renderProvider(main: HTMLElement, signal: AbortSignal, id: string): Promise<void> {
  replace(main, h("h1", null, "Provider"), loadingView("the provider"));
  const config = await loadConfig();
  let p: FeedProviderDetail | null;
  try {
    p = await getFeedProvider(feed, { id: id as Address });
  } catch (err) {
    replace(
      main,
      h("h1", null, "Provider"),
      errorView("the provider", err, () => void renderProvider(main, signal, id)),
    );
    return;
  }
  if (signal.aborted) return;
  if (!p) {
    replace(main, h("h1", null, "Provider"), emptyView(`The indexer knows no provider ${id}.`));
    return;
  }
  const availabilityEl = h("div", { "aria-live": "polite" }, availabilityView(p.availability));
  const sessionsEl = h("div", null, loadingView("sessions"));
  const historyEl = h("section", { "aria-labelledby": "history-h" });
  providerCharts(historyEl, p.id);
  const r = p.reputation;
  const b = r.scoreBreakdown;
  replace(
    main,
    h("h1", null, "Provider ", h("span", { class: "mono", "data-testid": "provider-id" }, p.id)),
    h(
      "div",
      { class: "grid" },
      h(
        "section",
        null,
        h("h2", null, "Identity"),
        facts(
          [
            ["Region", p.region],
            ["Endpoint", h("span", { class: "mono" }, p.endpoint)],
            ["WireGuard key", h("span", { class: "mono" }, p.wgPublicKeyBase64)],
            ["Status", p.registered ? (p.paused ? "paused" : "registered") : "exited"],
            ["Registered", `${formatTime(p.registeredAt)} (block ${p.registeredBlock})`],
            ["Exit policy", exitPolicyView(p.exitPolicy)],
            ["Transport", transportView(p.transport)],
          ],
          "identity",
        ),
      ),
      h(
        "section",
        null,
        h("h2", null, "Prices and stake"),
        facts(
          [
            ["Price per GiB", price(p.pricePerGiB, config.paymentToken, "GiB")],
            ["Price per minute", price(p.pricePerMinute, config.paymentToken, "min")],
            ["Stake", amount(p.stake, config.token)],
            [
              "Unbonding",
              p.unbonding > 0n ? `${amount(p.unbonding, config.token)}, free ${formatTime(p.unbondingEnd)}` : "none",
            ],
            ["Max sessions", String(p.maxSessions)],
          ],
          "prices",
        ),
      ),
      h("section", null, h("h2", null, "Availability now"), availabilityEl),
    ),
    h(
      "section",
      null,
      h("h2", null, "Reputation"),
      h("p", { class: "big" }, "Score ", h("strong", { "data-testid": "score" }, score(r.score)), " / 100"),
      facts(
        [
          ["Uptime 24 h", percent(r.uptime24h)],
          ["Uptime 7 d", percent(r.uptime7d)],
          ["Acceptance rate", percent(r.acceptanceRate)],
          ["Median accept", r.medianAcceptSeconds === null ? "-" : formatDuration(r.medianAcceptSeconds)],
          ["Sessions completed", String(r.sessionsCompleted)],
          ["Sessions paid", String(r.sessionsPaid)],
          ["Sessions missed", String(r.sessionsMissed)],
          ["Bytes served", formatBytes(r.bytesServed)],
          ["Paid volume", amount(r.paidVolume, config.paymentToken)],
          ["Slashed", `${r.slashCount} time(s), ${amount(r.slashedAmount, config.token)}`],
        ],
        "reputation",
      ),
      table(
        `Score breakdown (formula ${b.formulaVersion}, computed ${formatTime(b.computedAt)})`,
        ["Part", "Value", "Points"],
        (
          [
            ["Uptime", b.uptime, b.uptimePoints],
            ["Acceptance", b.acceptance, b.acceptancePoints],
            ["Speed", b.speed, b.speedPoints],
            ["Experience", b.experience, b.experiencePoints],
          ] as const
        )
          .map(([name, v, pts]) => ({ cells: [name, bar(v, percent(v)), pts.toFixed(2)] }))
          .concat([{ cells: ["Slash penalty", percent(b.slashPenalty), ""] }]),
      ),
    ),
    historyEl,
    h("section", null, h("h2", null, "Sessions"), sessionsEl),
    h("section", null, h("h2", null, "Slashes"), slashes(p, config)),
  );
  void findSessions(feed, { where: { provider: p.id }, orderBy: "id", orderDirection: "desc", first: 50 })
    .then((page) =>
      replace(
        sessionsEl,
        page.items.length ? sessionRows("Sessions", page.items, config) : emptyView("No sessions yet."),
      ),
    )
    .catch((err: unknown) => replace(sessionsEl, errorView("the sessions", err)));
  void (async () => {
    try {
      for await (const a of watchProviderAvailability(feed, { id: p.id, signal }))
        replace(availabilityEl, availabilityView(a));
    } catch (err) {
      if (!signal.aborted)
        availabilityEl.append(h("p", { class: "state error" }, `Live updates stopped: ${(err as Error).message}`));
    }
  })();
}

function availabilityView(a: Availability): HTMLElement {
  const now = nowSeconds();
  return facts(
    [
      ["Available", h("strong", { class: a.available ? "ok" : "off" }, a.available ? "yes" : "no")],
      ["Active sessions", `${a.activeSessions} of ${a.capacity}`],
      ["Last heartbeat", `${formatTime(a.lastHeartbeat)} (${relative(a.lastHeartbeat, now)})`],
      ["Heartbeat expires", relative(a.heartbeatExpiresAt, now)],
    ],
    "availability",
  );
}

function slashes(p: FeedProviderDetail, config: ExplorerConfig): HTMLElement {
  if (p.slashes.length === 0) return emptyView("Never slashed.");
  return table(
    "Slashes",
    ["When", "Amount", "To", "Stake after"],
    p.slashes.map((s) => ({
      cells: [
        formatTime(s.timestamp),
        amount(s.amount, config.token),
        h("span", { title: s.beneficiary }, shortAddress(s.beneficiary)),
        amount(s.stakeAfter, config.token),
      ],
    })),
  );
}
