/**
 * `npm run bench:indexer [-- --quick] [-- --part graphql,live,replica,backfill]`: indexer figures
 * on this machine at several sizes, measured, not asserted. One file per part under
 * bench/indexer/:
 *
 * 1. graphql.ts — GraphQL at P providers (1k, 10k, 100k; quick 100, 1k): each query's
 *    requests/s and p50/p99 against the server's own `{ __typename }` ceiling in the same round.
 * 2. live.ts — SSE subscribers (100, 1,000, 10,000; quick 100, 1,000) on one read-only
 *    server: the server's memory per subscriber, database statements per second while they
 *    listen, and the delay from a block's commit to each subscriber's event, against one
 *    subscriber alone in the same run.
 * 3. replica.ts — a PostgreSQL streaming replica in a second cluster the bench starts (and
 *    removes): a reader on the replica against a reader on the primary, same queries, same run,
 *    and the replica's lag.
 * 4. backfill.ts — backfill at N events (10k, 100k, 1M; quick 2k, 10k) on one growing chain
 *    (chain.ts): the raw eth_getLogs rate (the baseline) and full indexes into PostgreSQL and
 *    PGlite with the bulk and the row-by-row write methods, in interleaved rounds.
 *
 * A quick run measures parts 1 and 4 unless `--part` names others (`--quick --part live,replica`
 * runs those two at their quick sizes). A discarded warm-up precedes the measured runs. Prints the JSON and writes
 * bench/results/indexer.json (DVPN_BENCH_RESULTS_DIR when set, bench/results/quick/ for
 * --quick) with `series` for the charts and growth sentences, rewritten after every size and
 * round (`complete: false` until the end), so a run stopped halfway keeps what it measured.
 * `--part` runs the parts named and takes the others from the result file of an earlier run of
 * the same mode (`reused` says which and when). Needs the local PostgreSQL.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { indexerSeries } from "./lib/indexerSeries.ts";
import { machineInfo } from "./lib/machine.ts";
import { resultsDir, writeJson } from "./lib/results.ts";
import { round } from "./lib/stats.ts";
import { backfill, type BackfillFigures } from "./indexer/backfill.ts";
import { CONFIG, PARTS, log, partial, parts, quick, type Part } from "./indexer/common.ts";
import { graphqlAt } from "./indexer/graphql.ts";
import { liveAt, type LiveFigures } from "./indexer/live.ts";
import { replica, type ReplicaFigures } from "./indexer/replica.ts";

const started = Date.now();
const machine = { ...(await machineInfo()), loadAverageAtStart: loadavg().map((x) => round(x, 3)) };
let backfillResult: BackfillFigures | undefined;
let graphqlSizes: Awaited<ReturnType<typeof graphqlAt>>[] = [];
let liveResult: LiveFigures | undefined;
let replicaResult: ReplicaFigures | undefined;
/** Which parts come from an earlier run's file, and from when. */
const reused: Partial<Record<Part, string | null>> = {};

/**
 * Writes the result file with what was measured so far; `complete` is false until the end (a run
 * stopped halfway keeps its finished sizes and rounds).
 */
function write(complete: boolean) {
  const result = {
    benchmark: "indexer",
    quick,
    date: new Date(started).toISOString(),
    seconds: round((Date.now() - started) / 1000, 4),
    machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => round(x, 3)) },
    method: {
      backfill: { events: CONFIG.events, rounds: CONFIG.backfillRounds, eventsPerTransaction: CONFIG.perTx },
      graphql: {
        providers: CONFIG.providers,
        sessionsPerProvider: CONFIG.sessionsPerProvider,
        rounds: CONFIG.graphqlRounds,
        secondsPerRun: CONFIG.seconds,
        warmup: CONFIG.warmup,
        connections: CONFIG.connections,
        loadGenerator: "autocannon",
      },
      live: { subscribers: CONFIG.subscribers, blocks: CONFIG.liveBlocks },
      replica: { providers: CONFIG.replicaProviders },
    },
    complete,
    /** Set when --part ran some parts and took the others from an earlier run's file: part → date. */
    reused: Object.keys(reused).length ? reused : null,
    backfill: backfillResult ?? null,
    graphql: {
      connections: CONFIG.connections,
      notes:
        "p50/p99 are computed from every 2xx response's own time (autocannon's response event); requests/s is 2xx " +
        "responses over the run's wall time. Each query answered correctly before being measured.",
      sizes: graphqlSizes,
    },
    live: liveResult ?? null,
    replica: replicaResult ?? null,
    series: indexerSeries({
      backfill: backfillResult,
      graphql: { connections: CONFIG.connections, sizes: graphqlSizes },
    }),
  };
  writeJson(join(resultsDir(quick), "indexer.json"), result);
  return result;
}

if (partial) {
  // The parts not run come from the result file of an earlier run of the same mode.
  const file = join(resultsDir(quick), "indexer.json");
  type Earlier = ReturnType<typeof write> & {
    reused?: Partial<Record<Part, string | null>> | { part: string; date: string };
  };
  let before = {} as Earlier;
  try {
    before = JSON.parse(readFileSync(file, "utf8")) as Earlier;
  } catch {
    log(`--part: no earlier ${file}; the parts not run stay empty`);
    before.quick = quick;
  }
  if (before.quick !== quick) throw new Error(`--part: ${file} is from a ${before.quick ? "quick" : "full"} run`);
  const dateOf = (p: Part) => {
    const r = before.reused as Record<string, string | null> | null | undefined;
    // Older files recorded one reused part as { part, date }.
    if (r && "part" in r) return r.part === p ? (r.date as string) : before.date;
    return r?.[p] ?? before.date;
  };
  for (const p of PARTS.filter((x) => !parts.includes(x))) {
    if (p === "graphql" && before.graphql?.sizes?.length) graphqlSizes = before.graphql.sizes;
    else if (p === "backfill" && before.backfill) backfillResult = before.backfill;
    else if (p === "live" && before.live) liveResult = before.live;
    else if (p === "replica" && before.replica) replicaResult = before.replica;
    else continue;
    reused[p] = dateOf(p);
    log(`--part: the ${p} figures are those of the run of ${reused[p]}`);
  }
}

// GraphQL first: its sizes take minutes, the largest backfill can take much longer on a busy machine.
if (parts.includes("graphql")) {
  graphqlSizes = [];
  for (const p of CONFIG.providers) {
    graphqlSizes.push(await graphqlAt(p));
    write(false);
  }
}
if (parts.includes("live")) {
  liveResult = await liveAt(CONFIG.subscribers, (figures) => {
    liveResult = figures;
    write(false);
  });
  write(false);
}
if (parts.includes("replica")) {
  replicaResult = await replica();
  write(false);
}
if (parts.includes("backfill")) {
  backfillResult = await backfill((figures) => {
    backfillResult = figures;
    write(false);
  });
}
process.stdout.write(JSON.stringify(write(true), null, 2) + "\n");
