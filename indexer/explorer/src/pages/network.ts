/**
 * Network: totals, charts over time, a region grid, a price chart, the provider table with the feed's filters,
 * sort and cursor pagination, and the latest sessions; refreshed on every indexed block.
 */
import { parseUnits } from "viem";
import { findProviders, findSessions, getNetworkStats } from "../../../../sdk/src/feed/actions.ts";
import type { FindProvidersParameters } from "../../../../sdk/src/feed/actions.ts";
import type { FeedProvider, NetworkStats, Page } from "../../../../sdk/src/feed/types.ts";
import { feed, loadConfig, nowSeconds, watchBlocks, type ExplorerConfig } from "../app.ts";
import { bar, emptyView, errorView, h, loadingView, replace, table } from "../dom.ts";
import { amount, formatBytes, percent, price, relative, score, shortAddress } from "../format.ts";
import { networkCharts } from "./networkCharts.ts";
import { sessionRows } from "./sessionRows.ts";

/** The table's query, kept while the page is open (filters, sort, page size and cursors). */
const query = {
  region: "",
  available: false,
  maxPricePerGiB: "",
  minScore: "",
  orderBy: "score" as NonNullable<FindProvidersParameters["orderBy"]>,
  orderDirection: "desc" as "asc" | "desc",
  first: 25,
  cursors: [undefined] as (string | undefined)[],
};

export async function renderNetwork(main: HTMLElement, signal: AbortSignal): Promise<void> {
  const statsEl = h("section", { "aria-labelledby": "stats-h" }, loadingView("network totals"));
  const tableEl = h("div", null, loadingView("providers"));
  const sessionsEl = h("div", null, loadingView("sessions"));
  const chartsEl = h("section", { "aria-labelledby": "activity-h" });
  const loadCharts = networkCharts(chartsEl);
  replace(
    main,
    h("h1", null, "Network"),
    statsEl,
    chartsEl,
    h(
      "section",
      { "aria-labelledby": "providers-h" },
      h("h2", { id: "providers-h" }, "Providers"),
      form(() => void loadTable()),
      tableEl,
    ),
    h("section", { "aria-labelledby": "sessions-h" }, h("h2", { id: "sessions-h" }, "Latest sessions"), sessionsEl),
  );
  const config = await loadConfig();

  async function loadStats() {
    try {
      showStats(statsEl, await getNetworkStats(feed), config);
    } catch (err) {
      replace(
        statsEl,
        errorView("the network totals", err, () => void loadStats()),
      );
    }
  }
  async function loadTable() {
    try {
      showProviders(tableEl, await findProviders(feed, params(config)), config, () => void loadTable());
    } catch (err) {
      replace(
        tableEl,
        errorView("the providers", err, () => void loadTable()),
      );
    }
  }
  async function loadSessions() {
    try {
      const page = await findSessions(feed, { orderBy: "id", orderDirection: "desc", first: 10 });
      replace(
        sessionsEl,
        page.items.length ? sessionRows("Latest sessions", page.items, config) : emptyView("No sessions opened yet."),
      );
    } catch (err) {
      replace(
        sessionsEl,
        errorView("the sessions", err, () => void loadSessions()),
      );
    }
  }
  const all = () => Promise.all([loadStats(), loadCharts(), loadTable(), loadSessions()]);
  await all();
  watchBlocks(signal, () => void all());
}

function params(config: ExplorerConfig): FindProvidersParameters {
  const where: NonNullable<FindProvidersParameters["where"]> = {};
  if (query.region) where.region = query.region;
  if (query.available) where.available = true;
  if (query.maxPricePerGiB) where.maxPricePerGiB = parseUnits(query.maxPricePerGiB, config.paymentToken.decimals);
  if (query.minScore) where.minScore = Number(query.minScore);
  const after = query.cursors.at(-1);
  return {
    where,
    orderBy: query.orderBy,
    orderDirection: query.orderDirection,
    first: query.first,
    ...(after ? { after } : {}),
  };
}

function form(apply: () => void): HTMLElement {
  const field = (label: string, input: HTMLElement) => h("label", null, h("span", null, label), input);
  const f = h(
    "form",
    { class: "filters", "aria-label": "Filter and sort providers" },
    field("Region", h("input", { name: "region", value: query.region, placeholder: "DE", maxlength: 2, size: 3 })),
    field(
      "Max price / GiB",
      h("input", { name: "maxPricePerGiB", value: query.maxPricePerGiB, inputmode: "decimal", size: 8 }),
    ),
    field("Min score", h("input", { name: "minScore", value: query.minScore, inputmode: "decimal", size: 5 })),
    field(
      "Sort by",
      h(
        "select",
        { name: "orderBy" },
        ["score", "pricePerGiB", "pricePerMinute", "stake", "paidVolume", "lastHeartbeat", "registeredAt", "id"].map(
          (o) => h("option", { value: o, selected: o === query.orderBy }, o),
        ),
      ),
    ),
    field(
      "Order",
      h(
        "select",
        { name: "orderDirection" },
        h("option", { value: "desc", selected: query.orderDirection === "desc" }, "descending"),
        h("option", { value: "asc", selected: query.orderDirection === "asc" }, "ascending"),
      ),
    ),
    field(
      "Per page",
      h(
        "select",
        { name: "first" },
        [10, 25, 50, 100].map((n) => h("option", { value: n, selected: n === query.first }, n)),
      ),
    ),
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "available", checked: query.available }),
      " available now",
    ),
    h("button", { type: "submit" }, "Apply"),
  );
  const problem = h("p", { class: "state error", role: "alert", "data-testid": "filter-problem" });
  f.append(problem);
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const d = new FormData(f);
    const region = String(d.get("region") ?? "").trim();
    const maxPrice = String(d.get("maxPricePerGiB") ?? "").trim();
    const minScore = String(d.get("minScore") ?? "").trim();
    problem.textContent =
      region && !/^[A-Za-z]{2}$/.test(region)
        ? `Region "${region}" is not a two-letter country code (e.g. DE).`
        : maxPrice && !/^\d+(\.\d+)?$/.test(maxPrice)
          ? `Max price "${maxPrice}" is not a decimal number of the payment token.`
          : minScore && !(Number(minScore) >= 0 && Number(minScore) <= 100)
            ? `Min score "${minScore}" is not a number from 0 to 100.`
            : "";
    if (problem.textContent) return;
    query.region = String(d.get("region") ?? "")
      .trim()
      .toUpperCase();
    query.maxPricePerGiB = String(d.get("maxPricePerGiB") ?? "").trim();
    query.minScore = String(d.get("minScore") ?? "").trim();
    query.orderBy = String(d.get("orderBy")) as typeof query.orderBy;
    query.orderDirection = d.get("orderDirection") === "asc" ? "asc" : "desc";
    query.first = Number(d.get("first"));
    query.available = d.get("available") !== null;
    query.cursors = [undefined];
    apply();
  });
  return f;
}

function showStats(el: HTMLElement, s: NetworkStats, config: ExplorerConfig): void {
  const card = (label: string, value: string, id: string) =>
    h("div", { class: "card", "data-stat": id }, h("span", { class: "label" }, label), h("strong", null, value));
  const maxBytes = s.byRegion.reduce((m, r) => (r.bytes24h > m ? r.bytes24h : m), 1n);
  replace(
    el,
    h("h2", { id: "stats-h", class: "sr-only" }, "Totals"),
    h(
      "div",
      { class: "cards" },
      card("Providers online", `${s.providersOnline} of ${s.providers}`, "providersOnline"),
      card("Total stake", amount(s.totalStake, config.token), "totalStake"),
      card("Active sessions", String(s.activeSessions), "activeSessions"),
      card("Sessions, 24 h", String(s.sessionsOpened24h), "sessionsOpened24h"),
      card("Bytes, 24 h", formatBytes(s.bytes24h), "bytes24h"),
      card("Paid, 24 h", amount(s.volume24h, config.paymentToken), "volume24h"),
    ),
    h("h3", null, "By region"),
    s.byRegion.length === 0
      ? emptyView("No provider has registered yet.")
      : h(
          "ul",
          { class: "regions" },
          s.byRegion.map((r) =>
            h(
              "li",
              { class: "region", "data-region": r.region },
              h("strong", null, r.region),
              h("span", null, `${r.providersOnline} of ${r.providers} online`),
              h("span", null, `stake ${amount(r.totalStake, config.token)}`),
              h("span", null, `${r.activeSessions} active, ${r.sessionsOpened24h} in 24 h`),
              bar(Number(r.bytes24h) / Number(maxBytes), `${formatBytes(r.bytes24h)} in 24 h`),
            ),
          ),
        ),
  );
}

function showProviders(el: HTMLElement, page: Page<FeedProvider>, config: ExplorerConfig, reload: () => void): void {
  const now = nowSeconds();
  const maxPrice = page.items.reduce((m, p) => (p.pricePerGiB > m ? p.pricePerGiB : m), 1n);
  const pageNo = query.cursors.length;
  const nav = h(
    "div",
    { class: "pager" },
    h("span", { "data-testid": "total" }, `${page.totalCount} provider(s), page ${pageNo}`),
    h("button", { type: "button", disabled: pageNo === 1, onclick: () => (query.cursors.pop(), reload()) }, "Previous"),
    h(
      "button",
      {
        type: "button",
        disabled: !page.pageInfo.hasNextPage,
        onclick: () => (query.cursors.push(page.pageInfo.endCursor ?? undefined), reload()),
      },
      "Next",
    ),
  );
  if (page.items.length === 0) {
    replace(el, emptyView("No provider matches these filters."), nav);
    return;
  }
  replace(
    el,
    table(
      "Providers",
      ["Provider", "Region", "Price / GiB", "Price / min", "Stake", "Score", "Uptime 24 h", "Sessions", "Heartbeat"],
      page.items.map((p) => ({
        attrs: { "data-provider": p.id },
        cells: [
          h("a", { href: `#/provider/${p.id}`, title: p.id }, shortAddress(p.id)),
          p.region,
          bar(Number(p.pricePerGiB) / Number(maxPrice), price(p.pricePerGiB, config.paymentToken, "GiB")),
          price(p.pricePerMinute, config.paymentToken, "min"),
          amount(p.stake, config.token),
          score(p.reputation.score),
          percent(p.reputation.uptime24h),
          h(
            "span",
            { class: p.availability.available ? "ok" : "off" },
            `${p.availability.available ? "available" : "unavailable"}, ${p.availability.activeSessions}/${p.availability.capacity}`,
          ),
          relative(p.availability.lastHeartbeat, now),
        ],
      })),
    ),
    nav,
  );
}
