/**
 * The adaptive eth_getLogs reader under every event stream (the indexer's backfill and live
 * sync, the gateway agent's session events): ranges sized from the logs per block just seen,
 * split on answers too large (viem's ResponseBodyTooLargeError and node limits), other errors
 * retried with backoff, never a block skipped.
 */
import { sleep } from "../shutdown/sleep.ts";
import { isRangeError } from "./isRangeError.ts";
import type { LogRpc, LogTopics, RawLog } from "./types.ts";

/**
 * Logs one eth_getLogs request aims for. A log of these contracts is ≈ 0.5-0.6 kB of JSON, so
 * 10k logs is ≈ 6 MB: under viem's 10 MiB response limit and the caps of public RPC providers
 * ("query returned more than 10000 results"), and large enough that the per-request overhead
 * stays small next to decoding and writing the logs.
 */
export const TARGET_LOGS_PER_REQUEST = 10_000;

/**
 * The most a range grows after one success. A sparse sample says little about the next blocks, and
 * an answer that turns out too large costs the node its whole size before it is thrown away (on the
 * benchmark's chain a 100-block request into dense blocks took 5.4 s to fail, a 4-block one 0.15 s
 * to succeed): ×4 bounds that overshoot while an empty chain still goes from 10 to 10,000 blocks in
 * 5 requests.
 */
export const MAX_GROWTH_PER_REQUEST = 4;

/**
 * Successful requests after a size failure before one request may again ask for the smallest range
 * that failed (a probe): a chain whose blocks became sparse can then grow past it, while a chain
 * that is still dense throws away at most one request in this many.
 */
export const PROBE_AFTER_SUCCESSES = 50;

/**
 * The recommended first range (`initialBlockRange`, `--block-range`). Small on purpose: the
 * range adapts to the logs per block from the first answer (up to ×4 per request, so a sparse
 * chain reaches a 10,000-block range after 5 requests), while a large first range on a dense chain
 * asks for everything at once (2,000 blocks of 2,500 logs is ≈ 2.8 GB of JSON, a response the node
 * cannot even build). At 10 blocks the densest chain we measured (2,500 logs, ≈ 1.4 MB per block)
 * costs one thrown-away request.
 */
export const DEFAULT_INITIAL_BLOCK_RANGE = 10;

/** The recommended largest range (`maxBlockRange`): 10,000 blocks, the cap of common RPC providers. */
export const DEFAULT_MAX_BLOCK_RANGE = 10_000;

/** Parameters of {@link createLogFetcher}. */
export interface CreateLogFetcherParameters {
  /** The node (see {@link createLogRpc}). */
  rpc: LogRpc;
  /** The contracts whose logs are read. */
  address: string[];
  /** An optional topic filter (event selectors, indexed arguments). */
  topics?: LogTopics;
  /** The first request's range in blocks ({@link DEFAULT_INITIAL_BLOCK_RANGE} recommended; capped by `maxBlockRange`). */
  initialBlockRange: number;
  /** The largest range a request may ask for. */
  maxBlockRange: number;
  /** Read the block timestamps of logs the node returns without `blockTimestamp` (default true). */
  blockTimestamps?: boolean;
  /** How often an error that is not about size is retried before it is thrown (default: until `signal` aborts). */
  maxRetries?: number;
  /** Stops the retries: after it aborts, the next error is thrown. */
  signal?: AbortSignal;
  /** Where splits (debug) and retries (warn) are reported. */
  log?: { debug(o: object, msg: string): void; warn(o: object, msg: string): void };
  /** Told the next request's range after every change. */
  onRange?(range: number): void;
}

export interface LogFetcher {
  /**
   * Logs of the contracts from `fromBlock` up to at most `toBlock`, over an adaptive range:
   * returns the logs and the last block they cover. After a success the range is sized for
   * TARGET_LOGS_PER_REQUEST logs from the logs per block just seen (growing at most ×4), but stays
   * below the smallest range that failed for size, except one probe every PROBE_AFTER_SUCCESSES
   * successes. A range or size error (including viem's ResponseBodyTooLargeError) falls back to the
   * largest range that succeeded below it, or half the range but no more than the last success; while the gap between the two is
   * large, growth bisects it. Other errors retry with backoff. Blocks are never skipped.
   */
  fetch(
    fromBlock: number,
    toBlock: number,
  ): Promise<{ logs: RawLog[]; toBlock: number; timestamps: Map<number, number> }>;
  /** The next request's range in blocks. */
  readonly range: number;
  /** The smallest range that failed for size and still bounds growth (Infinity when none). */
  readonly ceiling: number;
}

/**
 * Creates an adaptive log reader (see {@link LogFetcher.fetch}).
 * @example
 * const fetcher = createLogFetcher({ rpc: createLogRpc(publicClient), address: [escrow], initialBlockRange: DEFAULT_INITIAL_BLOCK_RANGE, maxBlockRange: 10_000 });
 * const { logs, toBlock } = await fetcher.fetch(from, head);
 */
export function createLogFetcher(params: CreateLogFetcherParameters): LogFetcher {
  const { rpc, address, topics, maxBlockRange, signal, log, onRange } = params;
  const maxRetries = params.maxRetries ?? Infinity;
  const withTimestamps = params.blockTimestamps ?? true;
  let range = Math.min(params.initialBlockRange, maxBlockRange);
  /** Smallest range that failed for size since the last successful probe. */
  let ceiling = Infinity;
  /** Largest range that succeeded below `ceiling` (0 when none): with it, a bisection bracket. */
  let good = 0;
  /** Successes since the last size failure (or successful probe). */
  let successes = 0;
  /** The span of the last success (Infinity before the first). */
  let lastOk = Infinity;

  /** The next range after `logs` logs over `span` blocks; `full` when the span was the whole range. */
  const next = (span: number, logs: number, full: boolean): number => {
    // Blocks that would hold the target at the density just seen (empty spans: the most growth).
    const sized = logs === 0 ? Infinity : Math.floor((span * TARGET_LOGS_PER_REQUEST) / logs);
    // A span cut short by `toBlock` (the head) only lowers the range; it never grows it.
    let r = full ? Math.min(sized, span * MAX_GROWTH_PER_REQUEST) : Math.min(sized, range);
    r = Math.min(r, maxBlockRange);
    if (ceiling !== Infinity) {
      // Below the failing size: halfway between the largest success and it while that gap is
      // more than a quarter of it (at most two more failures to settle), then the largest success.
      // One probe at the failing size every PROBE_AFTER_SUCCESSES successes.
      const gap = ceiling - good;
      const cap = successes >= PROBE_AFTER_SUCCESSES ? ceiling : gap * 4 > ceiling ? good + Math.floor(gap / 2) : good;
      r = Math.min(r, cap);
    }
    return Math.max(1, r);
  };

  return {
    get range() {
      return range;
    },
    get ceiling() {
      return ceiling;
    },
    async fetch(fromBlock, toBlock) {
      let delay = 250;
      for (let retries = 0; ;) {
        const to = Math.min(toBlock, fromBlock + range - 1);
        const span = to - fromBlock + 1;
        try {
          const logs = await rpc.getLogsOnce({ address, ...(topics ? { topics } : {}), fromBlock, toBlock: to });
          // A probe that succeeded: the chain got sparser, the old failure no longer bounds growth.
          if (span >= ceiling) {
            ceiling = Infinity;
            good = 0;
          } else if (ceiling !== Infinity) good = Math.max(good, span);
          successes += 1;
          lastOk = span;
          range = next(span, logs.length, span >= range);
          onRange?.(range);
          const timestamps = new Map<number, number>();
          const missing = withTimestamps
            ? [...new Set(logs.filter((l) => l.blockTimestamp === undefined).map((l) => Number(l.blockNumber)))]
            : [];
          for (let i = 0; i < missing.length; i += 10) {
            const blocks = await Promise.all(missing.slice(i, i + 10).map((n) => rpc.getBlock(n)));
            for (const b of blocks) if (b) timestamps.set(b.number, b.timestamp);
          }
          return { logs, toBlock: to, timestamps };
        } catch (error) {
          if (signal?.aborted) throw error;
          if (isRangeError(error) && to > fromBlock) {
            ceiling = Math.min(ceiling, span);
            // A success at or above the failing size says nothing any more (denser blocks).
            if (good >= ceiling) good = 0;
            successes = 0;
            // Back to the largest success below it, else half of it but no more than the last
            // success (a range that grew ×4 into denser blocks goes back in one step, not two).
            range = good > 0 ? good : Math.max(1, Math.min(Math.floor(span / 2), lastOk));
            onRange?.(range);
            log?.debug({ fromBlock, to, range, ceiling }, "eth_getLogs range too large, splitting");
            continue;
          }
          if (retries++ >= maxRetries) throw error;
          log?.warn({ fromBlock, to, err: (error as Error).message.split("\n")[0] }, "eth_getLogs failed, retrying");
          await sleep(delay, signal);
          delay = Math.min(delay * 2, 10_000);
        }
      }
    },
  };
}
