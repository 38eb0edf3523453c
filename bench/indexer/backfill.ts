/**
 * Backfill part of `bench:indexer`: at each size, interleaved rounds of the raw eth_getLogs rate
 * over the same blocks from the same node (the baseline) and full indexes from scratch into
 * PostgreSQL and PGlite, each with the bulk write method (the default) and the row-by-row one
 * (the previous path), every run compared with the raw rate of its own round and bulk with rows
 * of the same round.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIndexer } from "../../indexer/src/createIndexer.ts";
import { createCommon } from "../../indexer/src/common/common.ts";
import { createConfig } from "../../indexer/src/config/createConfig.ts";
import type { WriteMethod } from "../../indexer/src/database/writeMethod.ts";
import { createLogFetcher } from "../../sdk/src/events/createLogFetcher.ts";
import { createRpc } from "../../indexer/src/sync-historical/createRpc.ts";
import { createTestDatabase } from "../../test/kit/postgres.ts";
import { startLocalChain } from "../../test/kit/localChain.ts";
import { round, summarize } from "../lib/stats.ts";
import { CONFIG, cleanups, log, pub, quick, withCleanup, type Pub } from "./common.ts";
import { rssMiBOfPort, setUpChain } from "./chain.ts";

/**
 * The first eth_getLogs range of the raw fetch and of the indexer (both adapt from there, with
 * the same fetcher). Blocks here hold 2,500 logs (≈ 1.4 MB), so 4 blocks stay under viem's
 * 10 MiB response limit, as an operator would configure for a chain this dense; the default (10)
 * would cost one refused request first. (The old default of 2,000 blocks asked a 1M-event node
 * for a ≈ 560 MB answer, beyond the longest string V8 can build, and the node died.)
 */
const INITIAL_BLOCK_RANGE = 4;
/** The backfill stages the indexer times (`dvpn_indexer_backfill_seconds_total`). */
const STAGES = ["fetch", "decode", "apply", "write"] as const;
/** The index runs of a round: store and write method. */
const RUNS = [
  { key: "postgres", kind: "postgres", method: "bulk" },
  { key: "postgresRows", kind: "postgres", method: "rows" },
  { key: "pglite", kind: "pglite", method: "bulk" },
  { key: "pgliteRows", kind: "pglite", method: "rows" },
] as const;
type RunKey = (typeof RUNS)[number]["key"];

interface IndexRun {
  seconds: number;
  eventsPerSecond: number;
  heartbeatRows: number;
  stageSeconds: Record<string, number>;
}
type BackfillRound = { rawEventsPerSecond: number } & Partial<Record<RunKey, IndexRun>>;
export interface IndexFigures {
  writeMethod: WriteMethod;
  eventsPerSecond: Pub;
  seconds: Pub;
  ofRawRate: Pub;
  heartbeatRows: number;
  stageShare: Record<string, Pub>;
  stageEventsPerSecond: Record<string, Pub>;
}
/** The figures at one size of the backfill. */
export interface BackfillSize {
  heartbeats: number;
  events: number;
  blocks: number;
  transactions: number;
  emitSeconds: number;
  nodeRssMiB: number | null;
  nodeRssPeakMiB: number | null;
  rounds: number;
  rawGetLogsEventsPerSecond: Pub;
  /** Bulk writes (the default method). */
  postgres: IndexFigures;
  /** Row-by-row writes (the previous path), same rounds. */
  postgresRows: IndexFigures | null;
  pglite: IndexFigures | null;
  pgliteRows: IndexFigures | null;
  /** Per round: bulk events/s over row-by-row events/s of the same round and store. */
  bulkOverRows: { postgres: Pub | null; pglite: Pub | null };
}
export type BackfillFigures = {
  eventsPerTransaction: number;
  providers: number;
  finalityDepth: number;
  sizes: BackfillSize[];
  notes: string;
};

/** Figures of one store and method over the rounds so far (null when it did not run). */
function figures(rounds: BackfillRound[], key: RunKey, method: WriteMethod, logs: number): IndexFigures | null {
  const runs = rounds.flatMap((x) => (x[key] ? [{ ...x[key], raw: x.rawEventsPerSecond }] : []));
  if (runs.length === 0) return null;
  const staged = (x: IndexRun) => STAGES.reduce((t, k) => t + x.stageSeconds[k]!, 0);
  return {
    writeMethod: method,
    eventsPerSecond: pub(summarize(runs.map((x) => x.eventsPerSecond))),
    seconds: pub(summarize(runs.map((x) => x.seconds))),
    /** Per round: this index run's rate over the raw rate of the same round. */
    ofRawRate: pub(summarize(runs.map((x) => x.eventsPerSecond / x.raw)), 3),
    heartbeatRows: runs[0]!.heartbeatRows,
    /** Per stage: its share of the backfill's staged time (fetch + decode + apply + write). */
    stageShare: Object.fromEntries(
      STAGES.map((s) => [s, pub(summarize(runs.map((x) => x.stageSeconds[s]! / staged(x))), 3)]),
    ),
    /** Per stage: events per second of that stage alone. */
    stageEventsPerSecond: Object.fromEntries(
      STAGES.map((s) => [s, pub(summarize(runs.map((x) => logs / Math.max(x.stageSeconds[s]!, 1e-6))), 3)]),
    ),
  };
}

const ratio = (rounds: BackfillRound[], a: RunKey, b: RunKey) => {
  const pairs = rounds.filter((x) => x[a] && x[b]);
  return pairs.length ? pub(summarize(pairs.map((x) => x[a]!.eventsPerSecond / x[b]!.eventsPerSecond)), 3) : null;
};

export async function backfill(onProgress: (figures: BackfillFigures) => void): Promise<BackfillFigures> {
  // The node holds every log in memory: at 1M events it needs more than Node's default heap.
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=8192`.trim();
  const chain = await startLocalChain();
  // A node that dies would leave the log fetcher retrying forever: stop instead (the result
  // file keeps the sizes measured). Also samples the node's peak memory.
  let peakRss = 0;
  let misses = 0;
  const watchdog = setInterval(() => {
    const rss = rssMiBOfPort(chain.port);
    if (rss !== null) {
      misses = 0;
      peakRss = Math.max(peakRss, rss);
      return;
    }
    if (++misses < 3) return;
    log(`the hardhat node on port ${chain.port} is gone; stopping`);
    void Promise.allSettled([...cleanups].map((fn) => fn())).then(() => process.exit(1));
  }, 5000);
  watchdog.unref();
  try {
    return await withCleanup(
      () => chain.stop(),
      () =>
        measureSizes(
          chain,
          onProgress,
          (v) => (peakRss = v ?? peakRss),
          () => peakRss,
        ),
    );
  } finally {
    clearInterval(watchdog);
  }
}

async function measureSizes(
  chain: Awaited<ReturnType<typeof startLocalChain>>,
  onProgress: (figures: BackfillFigures) => void,
  resetPeak: (v: number | null) => void,
  peak: () => number,
): Promise<BackfillFigures> {
  const { publicClient, deployment, registry, emitUpTo, emitted, transactions } = await setUpChain(chain);
  /** Baseline: eth_getLogs over the same blocks, same node, with the indexer's range splitting. */
  const rawRun = async (head: number) => {
    const common = createCommon(
      createConfig({ rpcUrl: chain.url, deployment, logLevel: "silent", initialBlockRange: INITIAL_BLOCK_RANGE }),
    );
    const { config } = common;
    const fetcher = createLogFetcher({
      rpc: createRpc(common),
      address: [registry, deployment.contracts.SessionEscrow.address, deployment.contracts.DVPNGovernor.address],
      initialBlockRange: config.initialBlockRange,
      maxBlockRange: config.maxBlockRange,
      signal: common.shutdown.signal,
    });
    const t0 = performance.now();
    let logs = 0;
    for (let from = deployment.startBlock; from <= head;) {
      const r = await fetcher.fetch(from, head);
      logs += r.logs.length;
      from = r.toBlock + 1;
    }
    return { logs, eventsPerSecond: logs / ((performance.now() - t0) / 1000) };
  };
  /** A full index from scratch to caught up; the database is dropped right after (disk). */
  const indexRun = async (kind: "postgres" | "pglite", writeMethod: WriteMethod, events: number) => {
    const db = kind === "postgres" ? await createTestDatabase("dvpn_indexer_bench") : undefined;
    const dataDir = kind === "pglite" ? mkdtempSync(join(tmpdir(), "dvpn-bench-idx-")) : undefined;
    const remove = async () => {
      await db?.drop().catch(() => {});
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    };
    return withCleanup(remove, async (): Promise<IndexRun> => {
      const indexer = createIndexer({
        rpcUrl: chain.url,
        deployment,
        databaseUrl: db?.url,
        dataDir,
        port: 0,
        logLevel: "silent",
        finalityDepth: 8,
        pollIntervalMs: 200,
        initialBlockRange: INITIAL_BLOCK_RANGE,
        writeMethod,
      });
      const t0 = performance.now();
      await indexer.start();
      await indexer.ready;
      const seconds = (performance.now() - t0) / 1000;
      const heartbeatRows = await indexer.prisma.heartbeat.count();
      // The backfill's own account of where its time went (seconds per stage).
      const stageSeconds = Object.fromEntries(
        STAGES.map((stage) => [
          stage,
          round(indexer.common.metrics.get("dvpn_indexer_backfill_seconds_total", { stage }), 4),
        ]),
      );
      await indexer.stop();
      return { seconds: round(seconds, 4), eventsPerSecond: round(events / seconds, 4), heartbeatRows, stageSeconds };
    });
  };
  const runs = RUNS.filter((r) => CONFIG.pglite || r.kind === "postgres");

  const sizes: BackfillSize[] = [];
  const current = (): BackfillFigures => ({
    eventsPerTransaction: CONFIG.perTx,
    providers: CONFIG.beaters,
    finalityDepth: 8,
    sizes,
    notes:
      `Backfill from scratch to caught up (start-up and migrations included) with finality depth 8; each range is ` +
      `decoded, applied and written with its rollups and checkpoint in one transaction. postgres/pglite write ` +
      `with the bulk method (one array parameter per column, table and range, expanded by unnest, the default); ` +
      `postgresRows/pgliteRows with the row-by-row method (one parameter per value, 400 rows per INSERT), in the ` +
      `same rounds (quick runs: at the largest size only), the order of the two alternating by round; bulkOverRows ` +
      `pairs them per round. The raw rate ` +
      `only fetches the logs of the same blocks from the same node, with the same adaptive ranges starting at ` +
      `${INITIAL_BLOCK_RANGE} blocks. One chain grows from size to size. Rounds per size: ` +
      `${sizes.map((x) => x.rounds).join(", ")}, after a discarded warm-up round at the first size` +
      `${CONFIG.pglite ? "" : "; quick runs leave PGlite out (its cold start alone takes seconds)"}. ` +
      `nodeRssMiB is the hardhat node's resident memory after emitting, nodeRssPeakMiB its peak during the ` +
      `size's rounds (sampled every 5 s; the node runs with an 8 GiB heap limit).`,
  });
  for (const [i, target] of CONFIG.events.entries()) {
    const emitSeconds = await emitUpTo(target);
    const head = Number(await publicClient.getBlockNumber({ cacheTime: 0 })); // not viem's cached head
    const blocks = head - deployment.startBlock + 1;
    log(`${emitted()} heartbeat events in ${blocks} blocks (${round(emitSeconds, 3)} s to emit the new ones)`);
    const nodeRssMiB = rssMiBOfPort(chain.port);
    resetPeak(nodeRssMiB ?? 0);
    // Warm-up, discarded: a whole round at the first size (JIT, connections, PGlite's files).
    if (i === 0) {
      const warm = await rawRun(head);
      for (const r of runs) if (!quick || r.method === "bulk") await indexRun(r.kind, r.method, warm.logs);
      log("warm-up round done");
    }
    const rounds: BackfillRound[] = [];
    let logs = 0;
    // Quick runs compare the write methods at their largest size only (within their budget).
    const measured = quick && i < CONFIG.events.length - 1 ? runs.filter((x) => x.method === "bulk") : runs;
    for (let r = 0; r < CONFIG.backfillRounds[i]!; r++) {
      const raw = await rawRun(head);
      if (r > 0 && raw.logs !== logs) throw new Error(`eth_getLogs returned ${logs} logs, then ${raw.logs}`);
      logs = raw.logs;
      const round_: BackfillRound = { rawEventsPerSecond: round(raw.eventsPerSecond, 4) };
      // Bulk first in even rounds, row-by-row first in odd ones (the machine's drift cancels).
      const order = r % 2 === 0 ? measured : measured.map((_, j) => measured[j ^ 1] ?? measured[j]!);
      for (const run of order) round_[run.key] = await indexRun(run.kind, run.method, raw.logs);
      rounds.push(round_);
      log(
        `${logs} events, round ${r + 1}/${CONFIG.backfillRounds[i]}: raw ${round(raw.eventsPerSecond, 3)} ev/s, ` +
          measured.map((x) => `${x.key} ${round(round_[x.key]!.eventsPerSecond, 3)}`).join(", ") +
          ` (postgres s per stage: ${STAGES.map((k) => `${k} ${round_.postgres!.stageSeconds[k]}`).join(", ")})`,
      );
      // After every round the size's figures so far replace its entry, and the result file is
      // rewritten: a run stopped halfway keeps what it measured (marked incomplete).
      sizes[i] = {
        heartbeats: emitted(),
        events: logs,
        blocks,
        transactions: transactions(),
        emitSeconds: round(emitSeconds, 3),
        nodeRssMiB: nodeRssMiB === null ? null : Math.round(nodeRssMiB),
        nodeRssPeakMiB: Math.round(Math.max(peak(), nodeRssMiB ?? 0)) || null,
        rounds: rounds.length,
        rawGetLogsEventsPerSecond: pub(summarize(rounds.map((x) => x.rawEventsPerSecond))),
        postgres: figures(rounds, "postgres", "bulk", logs)!,
        postgresRows: figures(rounds, "postgresRows", "rows", logs),
        pglite: figures(rounds, "pglite", "bulk", logs),
        pgliteRows: figures(rounds, "pgliteRows", "rows", logs),
        bulkOverRows: {
          postgres: ratio(rounds, "postgres", "postgresRows"),
          pglite: ratio(rounds, "pglite", "pgliteRows"),
        },
      };
      onProgress(current());
    }
  }
  return current();
}
