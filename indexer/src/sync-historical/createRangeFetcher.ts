/**
 * The backfill's block ranges: read from the node by the adaptive log fetcher, decoded, with the
 * range's last block. Where that runs depends on the database:
 *
 * - PGlite writes on the main thread. Parsing the node's answers (≈ 6 MB of JSON per 10,000
 *   logs) and decoding them there left the next range waiting for the write of the one before
 *   (the node's answer sat in the socket meanwhile), so with PGlite ranges are read on a worker
 *   thread (rangeWorker.ts), started with the indexer so its start-up overlaps the database's.
 * - PostgreSQL writes in its own process and the main thread mostly waits for it: reading the
 *   next range there costs nothing, while a thread adds one more process competing for the
 *   cores with the node and PostgreSQL (measured slower at 100k events).
 *
 * Either way the same {@link readRange} reads a range, and its RPC counters and range gauge land
 * in the indexer's one metrics registry.
 */
import { Worker } from "node:worker_threads";
import { createLogFetcher, type LogFetcher } from "../../../sdk/src/events/createLogFetcher.ts";
import type { Common } from "../common/common.ts";
import type { BlockRef } from "../database/checkpoint.ts";
import { contractsOf, decodeLogs, type ChainEvent } from "../indexing/decodeLogs.ts";
import { createRpc, type Rpc } from "./createRpc.ts";

/** A fetched block range of the backfill: its events, decoded as soon as they arrived, and its last block. */
export interface FetchedRange {
  events: ChainEvent[];
  toBlock: number;
  toRef: BlockRef;
  /** When the decoding started and ended, on the main thread's performance.now() clock. */
  decoded: { start: number; end: number };
}

/** Reads the backfill's ranges. */
export interface RangeFetcher {
  /**
   * The next range from `from`, at most up to `safe`, sized by the adaptive fetcher; undefined
   * when the node no longer has the range's last block. Rejects on shutdown (or if the thread
   * fails); the caller retries.
   */
  fetch(from: number, safe: number): Promise<FetchedRange | undefined>;
  /**
   * Frees the thread, if any, while no range is wanted (the sync reached the head, where it reads
   * block by block on the main thread); the next fetch starts it again. Keeps it while a fetch
   * is in flight.
   */
  release(): void;
  /** Stops the thread, if any (the shutdown does too); a fetch in flight rejects. */
  close(): Promise<void>;
}

/** The main thread's request to the thread: the range from `from`, up to at most `safe`. */
export interface RangeRequest {
  id: number;
  from: number;
  safe: number;
}

/** The thread's messages: a range, a failure, or a metric for the main thread's registry. */
export type RangeReply =
  | { type: "range"; id: number; range: FetchedRange | undefined }
  | { type: "failed"; id: number; message: string }
  | {
      type: "metric";
      op: "inc" | "set" | "observe";
      name: string;
      labels: Record<string, string> | undefined;
      value: number | undefined;
    };

/** The adaptive log fetcher over the deployment's contracts, as the backfill uses it. */
export function createBackfillLogFetcher(common: Common, rpc: Rpc): LogFetcher {
  const { config, logger, metrics, shutdown } = common;
  return createLogFetcher({
    rpc,
    address: [...contractsOf(config.deployment).keys()],
    initialBlockRange: config.initialBlockRange,
    maxBlockRange: config.maxBlockRange,
    signal: shutdown.signal,
    log: logger,
    onRange: (range) => metrics.set("dvpn_indexer_log_range_blocks", range),
  });
}

/**
 * Reads one range: its logs, decoded on arrival (for a prefetched range, while the database
 * writes the one before), and its last block. `now` is a clock shared with the caller's thread.
 */
export async function readRange(
  fetcher: LogFetcher,
  rpc: Rpc,
  contracts: ReturnType<typeof contractsOf>,
  from: number,
  safe: number,
  now: () => number,
): Promise<FetchedRange | undefined> {
  const { logs, toBlock, timestamps } = await fetcher.fetch(from, safe);
  const start = now();
  const events = decodeLogs(logs, contracts, timestamps);
  const decoded = { start, end: now() };
  const toRef = await rpc.getBlock(toBlock);
  return toRef ? { events, toBlock, toRef, decoded } : undefined;
}

/** Reads ranges on the calling (main) thread. */
export function createRangeFetcher(common: Common, rpc: Rpc): RangeFetcher {
  const fetcher = createBackfillLogFetcher(common, rpc);
  const contracts = contractsOf(common.config.deployment);
  return {
    fetch: (from, safe) => readRange(fetcher, rpc, contracts, from, safe, () => performance.now()),
    release: () => {},
    close: async () => {},
  };
}

/** Threads in a row that may stop before answering anything before ranges are read on the main thread. */
const THREAD_START_TRIES = 3;

/**
 * Reads ranges on a worker thread (rangeWorker.ts), started now and again by the first fetch after
 * a {@link RangeFetcher.release} (an idle thread holds ≈ 64 MiB). The shutdown's signal
 * terminates it, so a fetch in flight rejects before any closer waits for the sync. A thread that
 * cannot start ({@link THREAD_START_TRIES} in a row stopped before answering) is logged and the
 * ranges are read on the main thread instead.
 */
export function createRangeThread(common: Common): RangeFetcher {
  const { config, logger, metrics, shutdown } = common;
  /** Fetches in flight, with the thread each was sent to. */
  const pending = new Map<
    number,
    { thread: Worker; resolve: (r: FetchedRange | undefined) => void; reject: (e: Error) => void }
  >();
  let nextId = 0;
  let worker: Worker | undefined;
  /** Threads started and not yet exited (a released one may still be exiting). */
  let threads = 0;
  /** Threads in a row that stopped before any message (they could not load). */
  let failedStarts = 0;
  /** Threads terminated here (released or failed): their exit is no failed start. */
  const ended = new WeakSet<Worker>();
  let fallback: RangeFetcher | undefined;
  let closed = false;
  let stopped: Promise<unknown> | undefined;
  const stop = () => {
    closed = true;
    return (stopped ??= worker?.terminate() ?? Promise.resolve());
  };
  shutdown.signal.addEventListener("abort", () => void stop(), { once: true });
  shutdown.add("backfill fetch thread", async () => {
    await stop();
  });

  /** Rejects the fetches sent to `w`. */
  function rejectAll(w: Worker, error: Error): void {
    for (const [id, p] of pending)
      if (p.thread === w) {
        pending.delete(id);
        p.reject(error);
      }
    hold(w);
  }
  /**
   * A thread keeps the process alive only while a fetch waits for it: idle, it never does (a
   * `message` listener refs it, so this runs after the listeners are added).
   */
  function hold(w: Worker): void {
    for (const p of pending.values()) if (p.thread === w) return w.ref();
    w.unref();
  }

  /** Terminates `w` here (no failed start); the next fetch starts another thread. */
  function end(w: Worker): void {
    if (worker === w) worker = undefined;
    ended.add(w);
    void w.terminate();
  }

  function start(): Worker {
    const w = new Worker(new URL("./rangeWorker.ts", import.meta.url), { workerData: { config } });
    let answered = false;
    threads += 1;
    metrics.set("dvpn_indexer_fetch_threads", threads);
    w.on("message", (m: RangeReply) => {
      answered = true;
      failedStarts = 0;
      if (m.type === "metric") {
        if (m.op === "inc") metrics.inc(m.name, m.labels, m.value);
        else if (m.op === "set") metrics.set(m.name, m.value ?? 0, m.labels);
        else metrics.observe(m.name, m.value ?? 0, m.labels);
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      hold(w);
      if (m.type === "failed") p.reject(new Error(m.message));
      else if (!m.range) p.resolve(undefined);
      else {
        // From the wall clock the thread sends to this thread's performance.now() clock.
        const { start, end } = m.range.decoded;
        m.range.decoded = { start: start - performance.timeOrigin, end: end - performance.timeOrigin };
        p.resolve(m.range);
      }
    });
    // A reply that cannot be read here would leave its fetch waiting: fail the thread's fetches.
    w.on("messageerror", (error) => {
      logger.error({ err: String(error) }, "backfill fetch thread: a reply could not be read; restarting it");
      rejectAll(w, new Error(`a reply of the backfill fetch thread could not be read: ${String(error)}`));
      end(w);
    });
    w.on("error", (error) => logger.error({ err: error.stack ?? String(error) }, "backfill fetch thread failed"));
    w.on("exit", (code) => {
      if (worker === w) worker = undefined;
      threads -= 1;
      metrics.set("dvpn_indexer_fetch_threads", threads);
      if (!answered && !closed && !ended.has(w) && ++failedStarts >= THREAD_START_TRIES && !fallback) {
        logger.error(
          { tries: failedStarts },
          "the backfill fetch thread cannot start: reading ranges on the main thread instead",
        );
        fallback = createRangeFetcher(common, createRpc(common));
      }
      rejectAll(w, new Error(`the backfill fetch thread stopped (exit code ${code})`));
    });
    hold(w);
    return w;
  }
  if (!shutdown.isKilled) worker = start();

  return {
    fetch(from, safe) {
      if (closed || shutdown.isKilled) return Promise.reject(new Error("the backfill fetch thread is closed"));
      if (fallback) return fallback.fetch(from, safe);
      try {
        // A thread that stopped (or was released) is started again.
        const thread = (worker ??= start());
        const id = nextId++;
        const result = new Promise<FetchedRange | undefined>((resolve, reject) =>
          pending.set(id, { thread, resolve, reject }),
        );
        hold(thread);
        thread.postMessage({ id, from, safe } satisfies RangeRequest);
        return result;
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    release() {
      if (worker && pending.size === 0) end(worker);
    },
    async close() {
      await stop();
    },
  };
}
