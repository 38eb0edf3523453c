/**
 * The indexer's series, built from its figures at each size (`backfill.sizes`, `graphql.sizes`
 * of bench/indexer.ts's result): bench/indexer.ts writes them into its result file, and the
 * summary rebuilds them from the same figures when it merges, so the charts and growth
 * sentences always follow the current reading of the figures.
 */
import {
  BACKFILL_GROUPS,
  backfillCauses,
  backfillOfRawCauses,
  GRAPHQL_GROUPS,
  graphqlCauses,
} from "./indexerCauses.ts";
import type { Series } from "./series.ts";

/** A median with the spread of the runs. */
interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The parts of the indexer result the series are built from. */
export interface IndexerFigures {
  backfill?: {
    sizes?: {
      events: number;
      rawGetLogsEventsPerSecond: Spread;
      postgres: { eventsPerSecond: Spread; ofRawRate?: Spread };
      pglite?: { eventsPerSecond: Spread; ofRawRate?: Spread } | null;
      postgresRows?: { eventsPerSecond: Spread; ofRawRate?: Spread } | null;
      pgliteRows?: { eventsPerSecond: Spread; ofRawRate?: Spread } | null;
    }[];
  } | null;
  graphql?: {
    connections?: number;
    sizes?: {
      providers: number;
      queries: Record<
        string,
        { p50Ms: Spread; p99Ms: Spread; requestsPerSecond: Spread; throughputOfCeiling?: Spread }
      >;
    }[];
  } | null;
}

/** The index runs of a backfill size: bulk writes (the default) and row-by-row, per store. */
const STORES = ["postgres", "pglite", "postgresRows", "pgliteRows"] as const;
const mm = (s: Spread) => ({ median: s.median, min: s.min, max: s.max });
const pct = (ratio: number) => Number((ratio * 100).toPrecision(4));

/** The series measured in `figures` (a series without points is left out). */
export function indexerSeries(figures: IndexerFigures): Series[] {
  const gq = figures.graphql?.sizes ?? [];
  const connections = figures.graphql?.connections;
  const queries = Object.keys(GRAPHQL_GROUPS).filter((k) => k !== "ceiling") as (keyof typeof GRAPHQL_GROUPS)[];
  const points = (pick: (q: { p50Ms: Spread; p99Ms: Spread; requestsPerSecond: Spread }) => Spread) =>
    gq.flatMap((s) =>
      (["ceiling", ...queries] as const)
        .filter((k) => s.queries[k])
        .map((k) => ({ group: GRAPHQL_GROUPS[k], x: s.providers, ...mm(pick(s.queries[k]!)) })),
    );
  const under = connections ? ` (${connections} connections)` : "";
  const base = {
    x: { label: "providers in the database" },
    xIsWork: false,
    source: "indexer",
    causes: graphqlCauses,
  };
  const series: Series[] = [
    {
      id: "indexer-backfill",
      title: "Indexer backfill vs raw eth_getLogs (same node, same run)",
      x: { label: "events" },
      y: { label: "events per second" },
      higherIsBetter: true,
      xIsWork: true,
      referenceGroups: [BACKFILL_GROUPS.raw],
      source: "indexer",
      points: (figures.backfill?.sizes ?? []).flatMap((s) => [
        { group: BACKFILL_GROUPS.raw, x: s.events, ...mm(s.rawGetLogsEventsPerSecond) },
        ...STORES.flatMap((k) => {
          const r = s[k]?.eventsPerSecond;
          return r ? [{ group: BACKFILL_GROUPS[k], x: s.events, ...mm(r) }] : [];
        }),
      ]),
      causes: backfillCauses,
    },
    {
      // The same backfill as a share of the raw fetch rate of the same round: the machine's load,
      // which moves both, mostly cancels out.
      id: "indexer-backfill-of-raw",
      title: "Indexer backfill rate as a share of raw eth_getLogs, same round",
      x: { label: "events" },
      y: { label: "index events/s ÷ raw eth_getLogs events/s (%)" },
      higherIsBetter: true,
      xIsWork: false,
      source: "indexer",
      points: (figures.backfill?.sizes ?? []).flatMap((s) =>
        STORES.flatMap((k) => {
          const r = s[k]?.ofRawRate;
          return r
            ? [{ group: BACKFILL_GROUPS[k], x: s.events, median: pct(r.median), min: pct(r.min), max: pct(r.max) }]
            : [];
        }),
      ),
      causes: backfillOfRawCauses,
    },
    {
      ...base,
      id: "indexer-graphql-p50",
      title: `GraphQL median latency under load${under}`,
      y: { label: "p50 latency (ms)" },
      higherIsBetter: false,
      referenceGroups: [GRAPHQL_GROUPS.ceiling],
      points: points((q) => q.p50Ms),
    },
    {
      ...base,
      id: "indexer-graphql-p99",
      title: `GraphQL p99 latency under load${under}`,
      y: { label: "p99 latency (ms)" },
      higherIsBetter: false,
      referenceGroups: [GRAPHQL_GROUPS.ceiling],
      points: points((q) => q.p99Ms),
    },
    {
      ...base,
      id: "indexer-graphql-throughput",
      title: `GraphQL throughput${under}`,
      y: { label: "requests per second" },
      higherIsBetter: true,
      referenceGroups: [GRAPHQL_GROUPS.ceiling],
      points: points((q) => q.requestsPerSecond),
    },
    {
      // The machine's load moves absolute figures between sizes; the ratio to the ceiling
      // measured in the same round does not carry it.
      ...base,
      id: "indexer-graphql-of-ceiling",
      title: `GraphQL throughput as a share of the server's ceiling, same round${under}`,
      y: { label: "requests/s ÷ { __typename } requests/s (%)" },
      higherIsBetter: true,
      points: gq.flatMap((s) =>
        queries.flatMap((k) => {
          const r = s.queries[k]?.throughputOfCeiling;
          return r
            ? [{ group: GRAPHQL_GROUPS[k], x: s.providers, median: pct(r.median), min: pct(r.min), max: pct(r.max) }]
            : [];
        }),
      ),
    },
  ];
  return series.filter((s) => s.points.length > 0);
}
