import { getOperationAST, type DocumentNode, type ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Metrics } from "../common/metrics.ts";
import { indexedState } from "../database/checkpoint.ts";
import type { FeedContext } from "./context.ts";

/** Options of {@link resultCache}. */
export interface ResultCacheOptions {
  /** Upper bound of the answers kept, counted as the length of their JSON text; 0 turns the cache off. */
  maxBytes: number;
  /** Counts each query's outcome in `dvpn_indexer_result_cache_total{outcome}`. */
  metrics?: Metrics | undefined;
}

/** How long a request waits for the same answer being computed by another before reading for itself. */
const WAIT_MS = 2000;

/** The length of an answer's JSON text (Infinity when it has none). */
function sizeOf(result: ExecutionResult): number {
  try {
    return JSON.stringify(result).length;
  } catch {
    return Infinity;
  }
}

/**
 * A kept answer, or the answer being computed by the first request that asked for it (undefined
 * when that one had errors: the requests that waited run the query themselves).
 */
type Entry = Promise<ExecutionResult | undefined>;

/**
 * graphql-yoga plugin keeping query answers for as long as the indexed state does not move
 * ({@link indexedState}): every request for the same document, operation and variables until
 * the next block is indexed is answered from the first one's answer, and requests arriving while
 * that answer is computed wait for it (up to 2 s) instead of reading the database again (they get it
 * even when it is not kept: it is as fresh as theirs would be). All of it is
 * dropped when the checkpoint moves, so an answer is at most as old as the server's checkpoint
 * cache allows, as without this cache (it expires when the database announces a change,
 * `Reader.onCheckpoint`, or after 250 ms).
 *
 * Not kept: subscriptions and mutations; answers with errors (a failing read may pass next
 * time); answers that read something outside the indexed state (`_meta`'s replica lag on a replica, or the
 * answer built while no checkpoint was readable, e.g. the database gone for a moment: the
 * context's `reads.volatile`); answers before the
 * first indexed block; an answer longer than a sixteenth of `maxBytes`. Kept answers are bounded
 * by `maxBytes` (the oldest go first). Place it
 * after the plugins that choose the executor: it wraps the one they chose.
 */
export function resultCache(options: ResultCacheOptions): Plugin {
  const { maxBytes, metrics } = options;
  let state: string | undefined;
  let entries = new Map<string, Entry>();
  const sizes = new Map<string, number>();
  let bytes = 0;
  /** A number per parsed document (graphql-yoga hands the same object for the same text while it keeps it parsed). */
  const documents = new WeakMap<DocumentNode, number>();
  let nextDocument = 0;
  const count = (outcome: "hit" | "miss" | "skip") => metrics?.inc("dvpn_indexer_result_cache_total", { outcome });

  function reset(to: string): void {
    state = to;
    entries = new Map();
    sizes.clear();
    bytes = 0;
  }

  function keep(key: string, size: number): void {
    sizes.set(key, size);
    bytes += size;
    for (const [oldest, n] of sizes) {
      if (bytes <= maxBytes) break;
      sizes.delete(oldest);
      entries.delete(oldest);
      bytes -= n;
    }
  }

  return {
    async onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      if (maxBytes <= 0) return;
      if (getOperationAST(args.document, args.operationName)?.operation !== "query") return;
      const ctx = args.contextValue as unknown as FeedContext;
      const cp = await ctx.checkpoint();
      if (!cp) return count("skip");
      const at = indexedState(cp);
      if (at !== state) reset(at);
      let doc = documents.get(args.document);
      if (doc === undefined) documents.set(args.document, (doc = nextDocument++));
      const key = `${doc}\u0000${args.operationName ?? ""}\u0000${JSON.stringify(args.variableValues ?? {})}`;
      const pending = entries.get(key);
      if (pending) {
        // Waited for at most WAIT_MS: an execution stuck on a database going away must not hold
        // every later request for the same answer; after that this request reads for itself.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const result = await Promise.race([
          pending,
          new Promise<undefined>((resolve) => {
            timer = setTimeout(() => resolve(undefined), WAIT_MS);
            (timer as { unref?: () => void }).unref?.();
          }),
        ]);
        clearTimeout(timer);
        if (!result && entries.get(key) === pending) entries.delete(key);
        if (result) {
          count("hit");
          setResultAndStopExecution(result);
          return;
        }
      }
      // The entry others wait for is made now, before this request awaits anything, so requests
      // arriving together share one execution. (This plugin runs last: nothing stops the
      // execution after it. Were an entry never settled, its waiters would read for themselves
      // after WAIT_MS and remove it.)
      const mine = entries;
      let own: Entry | undefined;
      let settle: (r: ExecutionResult | undefined) => void = () => {};
      if (!mine.has(key)) mine.set(key, (own = new Promise((resolve) => (settle = resolve))));
      setExecuteFn(async (a) => {
        /** The answer requests that waited for this one get: as fresh as theirs would be, kept or not. */
        let shared: ExecutionResult | undefined;
        let kept = false;
        let size = Infinity;
        try {
          const result = await executeFn(a);
          const plain = result as ExecutionResult;
          if (!(Symbol.asyncIterator in result) && !plain.errors?.length) {
            shared = plain;
            if (!ctx.reads.volatile) {
              size = sizeOf(plain);
              // An answer over a sixteenth of the bound is not kept: it would push out many others.
              kept = size <= maxBytes / 16;
            }
          }
          return result;
        } finally {
          count(kept && own ? "miss" : "skip");
          if (own) {
            settle(shared);
            // Only while the entry is still this request's (a waiter that gave up removes it).
            if (mine.get(key) === own) {
              if (!kept) mine.delete(key);
              else if (mine === entries) keep(key, size);
            }
          }
        }
      });
    },
  };
}
