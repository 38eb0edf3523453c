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
  "each block range costs in proportion to its events (decode, apply, multi-row INSERTs of up to 400 rows, one " +
  "transaction with the checkpoint)";

function backfill(store: string): NonNullable<Series["causes"]>[string] {
  return {
    linear:
      `${perRange} and an insert into the heartbeats table's B-tree indexes grows only with log(rows), so the ` +
      `total time is proportional to the events (${store})`,
    "sub-linear": `start-up (connection, migrations, first RPC calls) is a fixed cost spread over more events, while ${perRange} (${store})`,
    "super-linear":
      `the work per event grows with what is stored: each event row goes into the heartbeats table and its two ` +
      `indexes (blockNumber; provider, timestamp), whose B-trees outgrow the cache as the table grows (${store})`,
    any: `${perRange}; start-up is the fixed part (${store})`,
  };
}

/** Index time over raw fetch time of the same blocks (the cost of the ratio series). */
function backfillOfRaw(store: string): NonNullable<Series["causes"]>[string] {
  const grows =
    `the index's time grows faster than fetching the same logs: per-event work that grows with the rows ` +
    `stored (inserts into the heartbeats table's B-tree indexes) on top of the fetch (${store})`;
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
  "one SQL statement: COUNT(*) over the providers matching the filter (every provider of the region, an eighth " +
  "of the table, checked for availability and price: O(providers)) joined to the first 51 by score, and the " +
  "uptime sums of the 50 shown (constant)";
const providerSql =
  "primary-key lookups of the provider and of its own 24 and 168 hourly buckets (uptime, score breakdown): " +
  "O(log providers)";
const statsSql =
  "COUNT/SUM … GROUP BY region over every provider on every request (a sequential scan: O(providers)) plus " +
  "the 8 regions' 24 hourly buckets (constant)";
const sessionsSql = "an index scan of sessions(provider, id) for one provider's 10 sessions and their count: constant";

/** The causes of the backfill series' lines. */
export const backfillCauses: NonNullable<Series["causes"]> = {
  [BACKFILL_GROUPS.postgres]: backfill("PostgreSQL"),
  [BACKFILL_GROUPS.pglite]: backfill("PGlite"),
};

/** The causes of the GraphQL series' lines (latency and throughput alike: cost per request). */
export const graphqlCauses: NonNullable<Series["causes"]> = {
  [GRAPHQL_GROUPS.providers]: {
    linear: `${providersSql}; the COUNT dominates (a query without totalCount skips it)`,
    "super-linear": `${providersSql}; the COUNT dominates and the rows it reads outgrow the cache`,
    "sub-linear":
      `${providersSql}; the fixed cost (HTTP, GraphQL, 50 items) dominates at small sizes and the COUNT at large ` +
      `ones, so growth tends to linear (a query without totalCount skips the COUNT)`,
    falling: `${providersSql}; ${noise}`,
    any: `${providersSql}; at these sizes the fixed cost (HTTP, GraphQL, 50 items) outweighs the COUNT`,
  },
  [GRAPHQL_GROUPS.provider]: steady(providerSql, "almost nothing in the request depends on the number of providers"),
  [GRAPHQL_GROUPS.networkStats]: {
    linear: `${statsSql}; the scan dominates the request`,
    "super-linear": `${statsSql}; the scan dominates and the table outgrows the cache`,
    "sub-linear": `${statsSql}; the fixed cost (HTTP, GraphQL) dominates at small sizes and the scan at large ones, so growth tends to linear`,
    falling: `${statsSql}; ${noise}`,
    any: `${statsSql}; at these sizes the scan is still small next to the fixed cost`,
  },
  [GRAPHQL_GROUPS.sessionsByProvider]: steady(sessionsSql, "the request does the same work at every size"),
};

/** The current causes for an indexer series id (undefined for other series). */
export function indexerCauses(seriesId: string): Series["causes"] | undefined {
  if (seriesId === "indexer-backfill") return backfillCauses;
  if (seriesId.startsWith("indexer-graphql-")) return graphqlCauses;
  return undefined;
}
