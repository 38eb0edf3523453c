/**
 * GraphQL part of `bench:indexer`: a fresh PostgreSQL database populated directly with P
 * providers, 10 sessions per provider, 24 hourly buckets per provider and 24 per region; a
 * read-only indexer serves it; autocannon (C connections) measures p50/p99 latency and
 * requests/s of the server's own ceiling (`{ __typename }`, no resolver, no database) and of the
 * providers list, provider(id), networkStats and sessions-by-provider queries, in interleaved
 * rounds, each query compared with the ceiling of its own round. Every query is measured twice per
 * round: on a server with the answer cache off (`resultCacheMiB: 0`, every request reads the
 * database: the per-request path) and on one with it on (the default: the same query repeated
 * within one indexed block is answered from the first answer), both over the same database.
 */
import { createRequire } from "node:module";
import { createIndexer } from "../../indexer/src/createIndexer.ts";
import { createTestDatabase } from "../../test/kit/postgres.ts";
import { round, summarize } from "../lib/stats.ts";
import { CONFIG, cleanups, log, pub, type Pub } from "./common.ts";
import { fakeDeployment } from "../../test/kit/fakeDeployment.ts";
import { populate } from "./populate.ts";

/** The part of autocannon's result this benchmark reads (the package ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
/** autocannon's run: a thenable that emits each response with its latency in ms (fractional). */
type AutocannonRun = PromiseLike<AutocannonResult> & {
  on(event: "response", fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => AutocannonRun;

/** Provider number 66 (0x42: an address without letters, so its checksummed form is the stored one). */
const ONE_PROVIDER = `0x${(66).toString(16).padStart(40, "0")}`;
/** Provider number 17, whose sessions the sessions query lists. */
const SESSIONS_PROVIDER = `0x${(17).toString(16).padStart(40, "0")}`;

/** The queries measured, the ceiling first. `check` says what a correct answer holds. */
export const QUERIES = [
  {
    key: "ceiling",
    label: "{ __typename } (ceiling)",
    query: "{ __typename }",
    check: (d: Record<string, unknown>) => d.__typename === "Query",
  },
  {
    key: "providers",
    label: "providers (filtered, by score, first 50)",
    query: `{ providers(where: { available: true, region: "DE", maxPricePerGiB: "80000" }, orderBy: score, orderDirection: desc, first: 50) {
      items { id endpoint region pricePerGiB pricePerMinute stake reputation { score uptime24h acceptanceRate sessionsCompleted } availability { available activeSessions capacity lastHeartbeat } }
      totalCount pageInfo { hasNextPage endCursor } } }`,
    check: (d: Record<string, unknown>) => Array.isArray((d.providers as { items?: unknown })?.items),
  },
  {
    key: "provider",
    label: "provider(id)",
    query: `{ provider(id: "${ONE_PROVIDER}") { id endpoint region pricePerGiB pricePerMinute stake
      reputation { score uptime24h uptime7d acceptanceRate medianAcceptSeconds sessionsCompleted sessionsPaid
        scoreBreakdown { formulaVersion uptime uptimePoints acceptance acceptancePoints speed speedPoints experience experiencePoints slashPenalty computedAt } }
      availability { available activeSessions capacity lastHeartbeat heartbeatExpiresAt } } }`,
    check: (d: Record<string, unknown>) => (d.provider as { id?: string } | null)?.id === ONE_PROVIDER,
  },
  {
    key: "networkStats",
    label: "networkStats",
    query: `{ networkStats { providers providersOnline totalStake activeSessions bytes24h volume24h sessionsOpened24h
      byRegion { region providers providersOnline totalStake activeSessions bytes24h volume24h sessionsOpened24h } } }`,
    check: (d: Record<string, unknown>) => typeof (d.networkStats as { providers?: unknown })?.providers === "number",
  },
  {
    key: "sessionsByProvider",
    label: "sessions of one provider",
    query: `{ sessions(where: { provider: "${SESSIONS_PROVIDER}" }, orderBy: openedAt, orderDirection: desc, first: 20) { items { id status paid claimedBytes } totalCount } }`,
    check: (d: Record<string, unknown>) => (d.sessions as { totalCount?: number })?.totalCount === 10,
  },
] as const;
type QueryKey = (typeof QUERIES)[number]["key"];
/** Latency and throughput of a query's runs at one size on one server. */
interface RunFigures {
  p50Ms: Pub;
  p99Ms: Pub;
  requestsPerSecond: Pub;
  requests: number;
  errors: number;
  throughputOfCeiling: Pub;
}
/** A query's figures at one size; the ratios are absent for the ceiling itself. */
interface QueryFigures extends RunFigures {
  label: string;
  p50OverCeiling: Pub;
  p99OverCeiling: Pub;
  /** The same query on the server with the answer cache on, against the same round's ceiling. */
  cached: RunFigures;
}

/**
 * One autocannon run of `length` (seconds, or a number of requests; autocannon runs at least a
 * second when given a duration): latency percentiles from every 2xx response's own time, and
 * requests/s over the run's wall time.
 */
export async function measure(url: string, query: string, length: { duration: number } | { amount: number }) {
  const times: number[] = [];
  const run = autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
    connections: CONFIG.connections,
    ...length,
  });
  run.on("response", (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) times.push(ms);
  });
  const t0 = performance.now();
  const r = await run;
  const elapsed = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? NaN;
  return {
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    requestsPerSecond: times.length / elapsed,
    requests: times.length,
    errors: r.errors + r.non2xx,
  };
}

/** A query's figures on the server with the answer cache on, each round against the same round's ceiling. */
function cachedFigures(
  list: Awaited<ReturnType<typeof measure>>[],
  ceiling: Awaited<ReturnType<typeof measure>>[],
): RunFigures {
  return {
    p50Ms: pub(summarize(list.map((x) => x.p50Ms)), 3),
    p99Ms: pub(summarize(list.map((x) => x.p99Ms)), 3),
    requestsPerSecond: pub(summarize(list.map((x) => x.requestsPerSecond)), 4),
    requests: list.reduce((s, x) => s + x.requests, 0),
    errors: list.reduce((s, x) => s + x.errors, 0),
    throughputOfCeiling: pub(summarize(list.map((x, i) => x.requestsPerSecond / ceiling[i]!.requestsPerSecond)), 3),
  };
}

/** The GraphQL figures at `providers` providers. */
export async function graphqlAt(providers: number) {
  const db = await createTestDatabase("dvpn_indexer_bench");
  const drop = () => db.drop();
  cleanups.add(drop);
  try {
    const now = Math.floor(Date.now() / 1000);
    const sessions = providers * CONFIG.sessionsPerProvider;
    const t0 = performance.now();
    const databaseMiB = await populate(db.url, now, providers, sessions);
    const populateSeconds = (performance.now() - t0) / 1000;
    const server = (resultCacheMiB: number) =>
      createIndexer({
        rpcUrl: "http://127.0.0.1:1",
        deployment: fakeDeployment(),
        databaseUrl: db.url,
        port: 0,
        logLevel: "silent",
        readOnly: true,
        resultCacheMiB,
      });
    // The per-request path (every request reads the database) and the default (answer cache on).
    const indexer = server(0);
    const cachedIndexer = server(16);
    try {
      await indexer.start();
      await cachedIndexer.start();
      log(`${providers} providers populated in ${round(populateSeconds, 3)} s, servers started`);
      // Every query answers correctly before it is measured (a query that errors is fast), and
      // the server with the answer cache gives the same answer, twice (the second from its cache).
      const answers: Record<string, Record<string, unknown>> = {};
      const ask = async (url: string, query: string) =>
        (await (
          await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query }),
          })
        ).text()) as string;
      for (const q of QUERIES) {
        const text = await ask(indexer.url, q.query);
        const res = JSON.parse(text) as { data?: Record<string, unknown>; errors?: unknown };
        if (!res.data || res.errors || !q.check(res.data))
          throw new Error(`${q.key} query at ${providers} providers: ${text.slice(0, 500)}`);
        for (let i = 0; i < 2; i++) {
          if ((await ask(cachedIndexer.url, q.query)) !== text)
            throw new Error(`${q.key} query at ${providers} providers: the cached server answers differently`);
        }
        answers[q.key] = res.data;
      }
      for (const q of QUERIES) {
        await measure(indexer.url, q.query, CONFIG.warmup); // warm-up
        if (q.key !== "ceiling") await measure(cachedIndexer.url, q.query, CONFIG.warmup);
      }
      // Interleaved rounds, the order rotating by round; each query is paired with the ceiling
      // measured in the same round, and measured on both servers, which of the two first
      // alternating by round.
      type Run = Awaited<ReturnType<typeof measure>>;
      const runs = new Map<QueryKey, Run[]>(QUERIES.map((q) => [q.key, []]));
      const cachedRuns = new Map<QueryKey, Run[]>(QUERIES.map((q) => [q.key, []]));
      const length = { duration: CONFIG.seconds };
      for (let r = 0; r < CONFIG.graphqlRounds; r++) {
        const order = QUERIES.map((_, i) => QUERIES[(i + r) % QUERIES.length]!);
        for (const q of order) {
          const cold = async () => runs.get(q.key)!.push(await measure(indexer.url, q.query, length));
          const warm = async () => cachedRuns.get(q.key)!.push(await measure(cachedIndexer.url, q.query, length));
          if (q.key === "ceiling") await cold();
          else if (r % 2 === 0) await cold().then(warm);
          else await warm().then(cold);
        }
      }
      const ceiling = runs.get("ceiling")!;
      const queries = Object.fromEntries(
        QUERIES.map((q) => {
          const list = runs.get(q.key)!;
          const figures = {
            label: q.label,
            p50Ms: pub(summarize(list.map((x) => x.p50Ms)), 3),
            p99Ms: pub(summarize(list.map((x) => x.p99Ms)), 3),
            requestsPerSecond: pub(summarize(list.map((x) => x.requestsPerSecond)), 4),
            requests: list.reduce((s, x) => s + x.requests, 0),
            errors: list.reduce((s, x) => s + x.errors, 0),
          };
          if (q.key === "ceiling") return [q.key, figures];
          return [
            q.key,
            {
              ...figures,
              /** Per round: this query's requests/s over the ceiling's of the same round. */
              throughputOfCeiling: pub(
                summarize(list.map((x, i) => x.requestsPerSecond / ceiling[i]!.requestsPerSecond)),
                3,
              ),
              /** Per round: this query's p50 over the ceiling's p50 of the same round. */
              p50OverCeiling: pub(summarize(list.map((x, i) => x.p50Ms / ceiling[i]!.p50Ms)), 3),
              /** Per round: this query's p99 over the ceiling's p99 of the same round. */
              p99OverCeiling: pub(summarize(list.map((x, i) => x.p99Ms / ceiling[i]!.p99Ms)), 3),
              cached: cachedFigures(cachedRuns.get(q.key)!, ceiling),
            },
          ];
        }),
      ) as unknown as Record<QueryKey, QueryFigures>;
      const p = answers.providers!.providers as { totalCount: number };
      log(
        `${providers} providers: ` +
          QUERIES.map(
            (q) => `${q.key} p50 ${queries[q.key].p50Ms.median} ms ${queries[q.key].requestsPerSecond.median} req/s`,
          ).join("; "),
      );
      return {
        providers,
        sessions,
        providerHours: providers * 24,
        populateSeconds: round(populateSeconds, 3),
        databaseMiB,
        providersMatchingListFilter: p.totalCount,
        queries,
      };
    } finally {
      await cachedIndexer.stop();
      await indexer.stop();
    }
  } finally {
    cleanups.delete(drop);
    await db.drop();
  }
}
