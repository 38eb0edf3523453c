/** The indexer's part of the benchmark summary (bench/results/summary.md), from its figures at several sizes. */
import { liveMarkdown, replicaMarkdown, type IndexerLive, type IndexerReplica } from "./indexerLiveSummary.ts";
import { num, spreadOf, type Spread } from "./numbers.ts";

export interface IndexerSizes {
  complete?: boolean;
  date?: string;
  /** Parts taken from an earlier run: part → date (older files: one `{ part, date }`). */
  reused?: { part?: string; date?: string } | Record<string, string | null> | null;
  method?: {
    graphql?: {
      rounds?: number;
      secondsPerRun?: number;
      warmup?: { amount?: number; duration?: number };
      connections?: number;
      sessionsPerProvider?: number;
    };
  };
  backfill?: {
    eventsPerTransaction?: number;
    providers?: number;
    notes?: string;
    sizes?: {
      events: number;
      blocks: number;
      rounds: number;
      nodeRssMiB?: number | null;
      nodeRssPeakMiB?: number | null;
      rawGetLogsEventsPerSecond: Spread;
      postgres: { eventsPerSecond: Spread; ofRawRate: Spread };
      pglite?: { eventsPerSecond: Spread; ofRawRate: Spread } | null;
      postgresRows?: { eventsPerSecond: Spread; ofRawRate: Spread } | null;
      pgliteRows?: { eventsPerSecond: Spread; ofRawRate: Spread } | null;
      bulkOverRows?: { postgres: Spread | null; pglite: Spread | null };
    }[];
  };
  live?: IndexerLive | null;
  replica?: IndexerReplica | null;
  graphql?: {
    notes?: string;
    sizes?: {
      providers: number;
      sessions: number;
      databaseMiB?: number;
      populateSeconds?: number;
      queries: Record<
        string,
        {
          label?: string;
          p50Ms: Spread;
          p99Ms: Spread;
          requestsPerSecond: Spread;
          errors?: number;
          throughputOfCeiling?: Spread;
          p99OverCeiling?: Spread;
          cached?: { p99Ms: Spread; requestsPerSecond: Spread; throughputOfCeiling: Spread };
        }
      >;
    }[];
  };
}

/** The indexer section of a result with figures at several sizes (`backfill.sizes`, `graphql.sizes`). */
/** The feed's latency goal (issue: p99 under 50 ms for each query under the bench's connections). */
const P99_GOAL_MS = 50;

export function indexerSizesMarkdown(r: IndexerSizes): string {
  const lines: string[] = [];
  if (r.complete === false) lines.push("**Incomplete run**: only the sizes and rounds below were measured.", "");
  const reused: [string, string | null | undefined][] =
    r.reused && typeof r.reused.part === "string"
      ? [[r.reused.part, r.reused.date as string | undefined]]
      : Object.entries((r.reused ?? {}) as Record<string, string | null>);
  if (reused.length)
    lines.push(
      `Parts run separately (\`--part\`): ${reused.map(([p, d]) => `${p} on ${d ?? "an earlier date"}`).join(", ")}; ` +
        `the rest on ${r.date ?? "–"}.`,
      "",
    );
  const b = r.backfill;
  if (b?.sizes?.length) {
    lines.push(
      `Backfill from scratch to caught up, on one \`hardhat node\` whose chain grows from size to size ` +
        `(${num(b.eventsPerTransaction, 6)} heartbeats per transaction from ${num(b.providers)} contract providers). ` +
        `Events/s: median [min–max] of the rounds; "of raw": per round, the index rate over the raw eth_getLogs ` +
        `rate of the same round.`,
      "",
      "| events | blocks | rounds | raw eth_getLogs ev/s | → PostgreSQL ev/s | of raw | → PGlite ev/s | of raw | node memory (peak) |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...b.sizes.map(
        (s) =>
          `| ${num(s.events, 7)} | ${num(s.blocks, 6)} | ${s.rounds} | ${spreadOf(s.rawGetLogsEventsPerSecond)} | ` +
          `${spreadOf(s.postgres.eventsPerSecond)} | ${spreadOf(s.postgres.ofRawRate, 100, "%")} | ` +
          `${s.pglite ? spreadOf(s.pglite.eventsPerSecond) : "–"} | ${s.pglite ? spreadOf(s.pglite.ofRawRate, 100, "%") : "–"} | ` +
          `${typeof (s.nodeRssPeakMiB ?? s.nodeRssMiB) === "number" ? `${num((s.nodeRssPeakMiB ?? s.nodeRssMiB)!, 4)} MiB` : "–"} |`,
      ),
    );
    const compared = b.sizes.filter((s) => s.postgresRows);
    if (compared.length)
      lines.push(
        "",
        `Bulk writes (the default, above) against row-by-row writes (the previous path) in the same rounds; ` +
          `"bulk ÷ rows": per round, the bulk run's events/s over the row-by-row run's.`,
        "",
        "| events | → PostgreSQL rows ev/s | of raw | bulk ÷ rows | → PGlite rows ev/s | of raw | bulk ÷ rows |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        ...compared.map(
          (s) =>
            `| ${num(s.events, 7)} | ${spreadOf(s.postgresRows!.eventsPerSecond)} | ${spreadOf(s.postgresRows!.ofRawRate, 100, "%")} | ` +
            `${s.bulkOverRows?.postgres ? spreadOf(s.bulkOverRows.postgres) : "–"} | ` +
            `${s.pgliteRows ? spreadOf(s.pgliteRows.eventsPerSecond) : "–"} | ${s.pgliteRows ? spreadOf(s.pgliteRows.ofRawRate, 100, "%") : "–"} | ` +
            `${s.bulkOverRows?.pglite ? spreadOf(s.bulkOverRows.pglite) : "–"} |`,
        ),
      );
    if (b.notes) lines.push("", b.notes);
  }
  const g = r.graphql;
  const m = r.method?.graphql ?? {};
  if (g?.sizes?.length) {
    const warmup =
      m.warmup?.amount !== undefined
        ? `${m.warmup.amount} requests`
        : m.warmup?.duration !== undefined
          ? `${m.warmup.duration} s`
          : "a warm-up";
    lines.push(
      "",
      `GraphQL under autocannon (${num(m.connections)} connections, ${num(m.rounds)} interleaved rounds of ` +
        `${num(m.secondsPerRun)} s per query after a warm-up of ${warmup}), a read-only indexer over a fresh ` +
        `PostgreSQL database per size with ${num(m.sessionsPerProvider)} sessions per provider. Latency and ` +
        `requests/s: median [min–max] of the rounds; "of ceiling": per round, requests/s over those of ` +
        `\`{ __typename }\` in the same round (the server's own ceiling: HTTP and GraphQL, no resolver, no database); ` +
        `"p99 ÷ ceiling's": per round, the query's p99 over the ceiling's p99 in the same round. ` +
        `The first columns are the per-request path (answer cache off: every request reads the database); ` +
        `"cached" columns are the same query on a server with the answer cache on (the default), where a ` +
        `query repeated within one indexed block is answered from the first answer, in the same rounds.`,
      "",
      "| providers | query | p50 ms | p99 ms | p99 ÷ ceiling's | requests/s | of ceiling | errors | cached requests/s | cached of ceiling | cached p99 ms |",
      "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...g.sizes.flatMap((s) =>
        Object.entries(s.queries).map(
          ([key, q]) =>
            `| ${num(s.providers, 6)} | ${q.label ?? key} | ${spreadOf(q.p50Ms)} | ${spreadOf(q.p99Ms)} | ` +
            `${q.p99OverCeiling ? spreadOf(q.p99OverCeiling) : q.throughputOfCeiling ? "–" : "1"} | ` +
            `${spreadOf(q.requestsPerSecond)} | ${q.throughputOfCeiling ? spreadOf(q.throughputOfCeiling, 100, "%") : "100%"} | ` +
            `${num(q.errors)} | ` +
            (q.cached
              ? `${spreadOf(q.cached.requestsPerSecond)} | ${spreadOf(q.cached.throughputOfCeiling, 100, "%")} | ${spreadOf(q.cached.p99Ms)} |`
              : "| | |"),
        ),
      ),
      "",
      `Databases: ${g.sizes
        .map(
          (s) =>
            `${num(s.providers, 6)} providers and ${num(s.sessions, 7)} sessions, ${num(s.databaseMiB, 4)} MiB, ` +
            `populated in ${num(s.populateSeconds)} s`,
        )
        .join("; ")}. Sessions grow with the providers (${num(m.sessionsPerProvider)} each), so one provider's ` +
        `session list has the same size at every size.`,
    );
    const ceilingP99 = g.sizes.map((s) => s.queries.ceiling?.p99Ms.median).filter((x): x is number => x !== undefined);
    if (ceilingP99.length && Math.min(...ceilingP99) > P99_GOAL_MS) {
      lines.push(
        "",
        `A p99 under ${P99_GOAL_MS} ms cannot be shown on this machine at ${num(m.connections)} connections: the ` +
          `server's own ceiling (\`{ __typename }\`, no resolver, no database) had a p99 of ` +
          `${num(Math.min(...ceilingP99))}–${num(Math.max(...ceilingP99))} ms in these rounds. "p99 ÷ ceiling's" is what each query adds to it.`,
      );
    }
    if (g.notes) lines.push("", g.notes);
  }
  if (r.live?.sizes?.length) lines.push("", ...liveMarkdown(r.live));
  if (r.replica) lines.push("", ...replicaMarkdown(r.replica));
  return lines.join("\n");
}
