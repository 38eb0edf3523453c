/**
 * Why the indexer's measured costs grow as they do, from what its code does (the SQL in
 * indexer/src/graphql/resolvers.ts, the writes in indexer/src/indexing/indexRange.ts and
 * indexer/src/database/sql.ts): the `causes` of the indexer series, per growth class, so a growth
 * sentence only ever explains the growth that was measured. bench/indexer.ts writes them into its
 * series; the summary takes the current ones when it merges (they describe the code, not a run).
 */
import type { Series } from "./series.ts";

/** Line names of the backfill series. */
export const BACKFILL_GROUPS = {
  raw: "raw eth_getLogs",
  postgres: "index into PostgreSQL",
  pglite: "index into PGlite",
  postgresRows: "index into PostgreSQL, row-by-row writes",
  pgliteRows: "index into PGlite, row-by-row writes",
} as const;

/** Line names of the GraphQL series, by query key; the ceiling is the reference line. */
export const GRAPHQL_GROUPS = {
  ceiling: "{ __typename } (ceiling)",
  providers: "providers",
  provider: "provider(id)",
  networkStats: "networkStats",
  sessionsByProvider: "sessions of one provider",
} as const;

const perRange =
  "each block range costs in proportion to its events (decode, apply, one INSERT per table of up to 10,000 rows " +
  "sent as one array parameter per column, or 400 rows of one parameter per value with row-by-row writes; one transaction " +
  "with the checkpoint, while the next range is fetched, with PGlite on a worker thread)";

function backfill(store: string): NonNullable<Series["causes"]>[string] {
  return {
    linear:
      `${perRange} and an insert into the heartbeats table's key (block, log index) appends at the B-tree's right edge, so the ` +
      `total time is proportional to the events (${store})`,
    "sub-linear": `start-up (connection, migrations, first RPC calls) is a fixed cost spread over more events, while ${perRange} (${store})`,
    "super-linear":
      `the work per event grows with what is stored: each event row goes into the heartbeats table and its ` +
      `key's B-tree (block, log index), whose upper levels outgrow the cache as the table grows (${store})`,
    any: `${perRange}; start-up is the fixed part (${store})`,
  };
}

/** Index time over raw fetch time of the same blocks (the cost of the ratio series). */
function backfillOfRaw(store: string): NonNullable<Series["causes"]>[string] {
  const grows =
    `the index's time grows faster than fetching the same logs: per-event work that grows with the rows ` +
    `stored (inserts into the heartbeats table's key B-tree) on top of the fetch (${store})`;
  return {
    falling:
      `start-up (connection, migrations, first RPC calls) is a fixed cost that larger backfills spread over more ` +
      `events, so the index rate approaches the rate of fetching the logs, which bounds it (${store})`,
    constant: `index time stays a fixed multiple of fetch time: both are linear in the events (${store})`,
    "sub-linear": grows,
    linear: grows,
    "super-linear": grows,
  };
}

/** The causes of the backfill-over-raw series' lines. */
export const backfillOfRawCauses: NonNullable<Series["causes"]> = {
  [BACKFILL_GROUPS.postgres]: backfillOfRaw("PostgreSQL"),
  [BACKFILL_GROUPS.pglite]: backfillOfRaw("PGlite"),
  [BACKFILL_GROUPS.postgresRows]: backfillOfRaw("PostgreSQL, row-by-row writes"),
  [BACKFILL_GROUPS.pgliteRows]: backfillOfRaw("PGlite, row-by-row writes"),
};

/** A fall in cost with size is not in the code of any of these queries: it is the machine. */
const noise =
  "nothing in this query gets cheaper with more providers, so the fall is the shared machine's load moving " +
  "between runs";
/** Growth in a query whose work does not grow is not in its SQL either. */
const load =
  "nothing in it grows faster than a logarithm, so the growth measured is the shared machine's load moving between runs";
const steady = (sql: string, flat: string) => ({
  falling: `${sql}; ${noise}`,
  "sub-linear": `${sql}; ${load}`,
  linear: `${sql}; ${load}`,
  "super-linear": `${sql}; ${load}`,
  any: `${sql}, so ${flat}`,
});
const providersSql =
  "one prepared SQL statement through the plain pg reader: the first 51 of the region by score from the " +
  "(region, score, id) index, a scan that stops after the page; the 24-hour uptime sums of the 50 shown, " +
  "read index-only from provider_hours_covered_idx, and totalCount, for a filter the maintained totals cannot " +
  "answer (price), are read once per indexed block (and provider or filter) and shared by every request until " +
  "the next block (the bench's database does not change, so they are read once: constant per request)";
const providerSql =
  "one prepared statement: a primary-key lookup of the provider and index range scans of its own 24 and 168 " +
  "hourly buckets (uptime, score breakdown): O(log providers)";
const statsSql =
  "read once per indexed block (the answer depends only on the checkpoint and the heartbeat timeout) and shared " +
  "by every request until the next block; that read is three prepared statements over totals maintained while " +
  "indexing: one row per region (region_totals), the providers by heartbeat second inside the heartbeat timeout " +
  "(region_beats: at most regions × timeout rows, whatever the number of providers) and the 8 regions' 24 hourly buckets";
const sessionsSql =
  "one prepared statement: an index scan of sessions(provider, id) for one provider's 10 sessions; their count " +
  "once per indexed block and provider, shared until the next block: constant";

/** The causes of the backfill series' lines. */
export const backfillCauses: NonNullable<Series["causes"]> = {
  [BACKFILL_GROUPS.postgres]: backfill("PostgreSQL"),
  [BACKFILL_GROUPS.pglite]: backfill("PGlite"),
  [BACKFILL_GROUPS.postgresRows]: backfill("PostgreSQL, row-by-row writes"),
  [BACKFILL_GROUPS.pgliteRows]: backfill("PGlite, row-by-row writes"),
};

/** The causes of the GraphQL series' lines (latency and throughput alike: cost per request). */
export const graphqlCauses: NonNullable<Series["causes"]> = {
  [GRAPHQL_GROUPS.providers]: steady(providersSql, "almost nothing in the request depends on the number of providers"),
  [GRAPHQL_GROUPS.provider]: steady(providerSql, "almost nothing in the request depends on the number of providers"),
  [GRAPHQL_GROUPS.networkStats]: {
    ...steady(statsSql, "the request reads no more rows with more providers once every heartbeat second is taken"),
    "sub-linear": `${statsSql}; the heartbeat seconds read grow with the providers until every second of the timeout window is taken (8 × 900 rows here), then stay`,
  },
  [GRAPHQL_GROUPS.sessionsByProvider]: steady(sessionsSql, "the request does the same work at every size"),
};

/** The current causes for an indexer series id (undefined for other series). */
export function indexerCauses(seriesId: string): Series["causes"] | undefined {
  if (seriesId === "indexer-backfill") return backfillCauses;
  if (seriesId.startsWith("indexer-graphql-")) return graphqlCauses;
  return undefined;
}
