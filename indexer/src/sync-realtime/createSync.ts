import type { Common } from "../common/common.ts";
import { DatabaseMismatchError, WriterLockLostError } from "../common/errors.ts";
import {
  readBlock,
  readCheckpoint,
  writeCheckpoint,
  writeHead,
  type BlockRef,
  type Checkpoint,
} from "../database/checkpoint.ts";
import type { Database } from "../database/createDatabase.ts";
import { contractsOf, decodeLogs } from "../indexing/decodeLogs.ts";
import { indexRange } from "../indexing/indexRange.ts";
import { resetAll, rollbackTo } from "../indexing/rollback.ts";
import { sleep } from "../../../sdk/src/shutdown/sleep.ts";
import type { FetchedRange, RangeFetcher } from "../sync-historical/createRangeFetcher.ts";
import type { Rpc } from "../sync-historical/createRpc.ts";

/** /ready answers 503 again when the index falls this many blocks behind the confirmed head. */
const READY_LAG_BLOCKS = 10;
/** How long backfill steps reuse the head a step read (the checkpoint's head is at most this old). */
const HEAD_REUSE_MS = 5000;
/**
 * Backfill ranges fetched (or being fetched) ahead of the one being written. With PGlite they are
 * read on the fetch thread (createRangeFetcher.ts), where a second range ahead measured no gain:
 * the node and the two threads already share the cores.
 */
const FETCH_AHEAD = { postgres: 2, pglite: 1 } as const;
const ZERO_HASH = `0x${"0".repeat(64)}`;

/** The writer's loop: backfill in adaptive ranges, then follow the head block by block. */
export interface Sync {
  /** Runs until shutdown. */
  run(): Promise<void>;
  isCaughtUp(): boolean;
  /** Resolves the first time the index reaches the confirmed head. */
  caughtUp: Promise<void>;
}

/**
 * The sync over `db`: `rpc` for the head and live blocks, `ranges` for the backfill's block ranges
 * (see createRangeFetcher.ts).
 */
export function createSync(common: Common, db: Database, rpc: Rpc, ranges: RangeFetcher): Sync {
  const { config, logger, metrics, shutdown } = common;
  const { deployment } = config;
  const contracts = contractsOf(deployment);
  const addresses = [...contracts.keys()];
  const registry = deployment.contracts.ProviderRegistry.address;
  let caughtUp = false;
  let lag = Number.POSITIVE_INFINITY;
  let resolveCaughtUp!: () => void;
  const caughtUpPromise = new Promise<void>((r) => (resolveCaughtUp = r));

  /**
   * The backfill's next ranges, fetched and decoded while the current one is applied and written:
   * a chain of consecutive ranges (each starts where the one before ended, the fetcher sizing it
   * from the one before) that runs up to {@link FETCH_AHEAD} ranges ahead of the step, so the
   * node is asked for the next range as soon as it answered one, not when the database is done.
   * A step uses the first only if it starts at `from` (a failed transaction, a reorg or a reset
   * starts a new chain, and the old one stops at its next range).
   */
  let ahead: { from: number; safe: number; range: Promise<FetchedRange | undefined> }[] = [];
  let chain = 0;
  /** A chain that stopped at the depth limit: it goes on from here when the step takes a range. */
  let paused: { from: number; safe: number; chain: number } | undefined;
  function fetchAhead(from: number, safe: number, id: number): void {
    if (id !== chain) return;
    if (ahead.length >= FETCH_AHEAD[db.kind]) {
      paused = { from, safe, chain: id };
      return;
    }
    const range = ranges.fetch(from, safe);
    range.catch(() => {}); // awaited (and its error met) by the step that takes it, if any
    ahead.push({ from, safe, range });
    range.then(
      (r) => {
        if (r && r.toBlock < safe) fetchAhead(r.toBlock + 1, safe, id);
      },
      () => {},
    );
  }
  function takeRange(from: number, safe: number): Promise<FetchedRange | undefined> {
    const first = ahead[0];
    if (!first || first.from !== from || first.safe > safe) {
      ahead = [];
      paused = undefined;
      fetchAhead(from, safe, ++chain);
    }
    const taken = ahead.shift()!;
    if (paused) {
      const p = paused;
      paused = undefined;
      fetchAhead(p.from, p.safe, p.chain);
    }
    return taken.range;
  }

  /** The head a backfill step read, and when: the next backfill steps reuse it for {@link HEAD_REUSE_MS}. */
  let backfillHead: { head: BlockRef; at: number } | undefined;

  function base(cp: Checkpoint | undefined, head: BlockRef) {
    return {
      chainId: deployment.chainId,
      registry,
      headNumber: head.number,
      headTimestamp: head.timestamp,
      reorgs: cp?.reorgs ?? 0,
    };
  }

  async function handleReorg(cp: Checkpoint, from: number, head: BlockRef): Promise<void> {
    let ancestor: BlockRef | undefined;
    for (let k = from; k >= 0 && !shutdown.isKilled; k--) {
      const stored = await readBlock(db.prisma, k);
      if (!stored) break;
      const onChain = await rpc.getBlock(k);
      if (onChain && onChain.hash === stored.hash) {
        ancestor = stored;
        break;
      }
    }
    metrics.inc("dvpn_indexer_reorgs_total");
    if (!ancestor) {
      logger.error(
        { from, kept: config.finalityDepth },
        "reorg deeper than the kept unfinalized blocks: reindexing from the start block",
      );
      await db.transaction(async (tx) => {
        await resetAll(tx);
      });
      return;
    }
    const depth = cp.blockNumber - ancestor.number;
    metrics.set("dvpn_indexer_reorg_depth", depth);
    logger.warn({ ancestor: ancestor.number, depth }, "reorg: rolling back to the common ancestor");
    await db.transaction(async (tx) => {
      const r = await rollbackTo(tx, ancestor.number);
      await writeCheckpoint(tx, {
        ...base(cp, head),
        reorgs: cp.reorgs + 1,
        blockNumber: ancestor.number,
        blockHash: ancestor.hash,
        blockTimestamp: ancestor.timestamp,
      });
      logger.info(r, "rolled back");
    });
  }

  async function step(): Promise<boolean> {
    const tStep = performance.now();
    // A backfill step reuses the head read by the step before for a while: asking for it would
    // wait behind the prefetched range's eth_getLogs at the node.
    const reused = backfillHead && tStep - backfillHead.at < HEAD_REUSE_MS ? backfillHead : undefined;
    backfillHead = undefined;
    let head = reused?.head;
    if (!head) {
      const headNumber = await rpc.getBlockNumber();
      head = await rpc.getBlock(headNumber);
      if (!head) return false;
    }
    metrics.set("dvpn_indexer_head_block", head.number);
    const target = head.number - config.confirmations;
    const cp = await readCheckpoint(db.prisma);
    if (cp && (cp.chainId !== deployment.chainId || cp.registry.toLowerCase() !== registry.toLowerCase())) {
      throw new DatabaseMismatchError(
        `the database indexes chain ${cp.chainId} registry ${cp.registry}, not chain ${deployment.chainId} registry ${registry}: use another DATABASE_URL or data folder`,
      );
    }
    const next = cp ? cp.blockNumber + 1 : deployment.startBlock;
    // Past the backfill of a reused head: read the head again before anything else.
    if (reused && next > target - config.finalityDepth) return true;

    // Near the head: check that the indexed tip is still on the canonical chain.
    if (cp && cp.blockNumber > target - config.finalityDepth) {
      const onChain = cp.blockNumber <= head.number ? await rpc.getBlock(cp.blockNumber) : undefined;
      if (!onChain || onChain.hash !== cp.blockHash) {
        await handleReorg(cp, Math.min(cp.blockNumber, head.number), head);
        return true;
      }
    }
    if (db.writerLost())
      throw new WriterLockLostError(
        "lost the writer lock (database connection dropped): stopping so another instance can take over",
      );
    lag = Math.max(0, target - (cp?.blockNumber ?? 0));
    if (next > target) {
      // At the head blocks are read one by one here: the backfill's fetch thread, if any, can go.
      ranges.release();
      if (cp) await writeHead(db.prisma, head);
      metrics.set("dvpn_indexer_head_lag_blocks", Math.max(0, head.number - (cp?.blockNumber ?? 0)));
      if (!caughtUp) logger.info({ block: cp?.blockNumber, head: head.number }, "caught up with the chain head");
      caughtUp = true;
      metrics.set("dvpn_indexer_caught_up", 1);
      resolveCaughtUp();
      return false;
    }

    const safe = target - config.finalityDepth;
    let indexed: number;
    let events = 0;
    if (next <= safe) {
      // Where the backfill's time goes, per stage: fetch (the wait for eth_getLogs and the
      // range's last block, most of it overlapped with the previous range's work), decode (run
      // as the logs arrive, so mostly while the previous range is written), apply (load the
      // touched rows, run the handlers, scores) and write (rows, totals, journal, checkpoint
      // and the commit).
      const t0 = performance.now();
      // The next ranges are fetched and decoded while this one is applied and written.
      const range = await takeRange(next, safe);
      if (!range) return false;
      const { events: decoded, toBlock, toRef } = range;
      const t1 = performance.now();
      // Decoding done during this wait is the decode stage's, not the fetch's.
      const decodedInWait = Math.max(0, Math.min(t1, range.decoded.end) - Math.max(t0, range.decoded.start));
      let applied = 0;
      await db.transaction(async (tx) => {
        // Backfill ranges are final (below the finality depth): a PostgreSQL crash may lose the
        // last ones committed without waiting for their WAL flush, but only together with their
        // checkpoint (one transaction), so the indexer resumes before them and indexes them again,
        // to the same rows. Standbys receive only flushed WAL, so they never see a lost range.
        if (db.kind === "postgres") await tx.$executeRawUnsafe("SET LOCAL synchronous_commit = off");
        await indexRange(tx, {
          events: decoded,
          toBlock: toRef,
          base: base(cp, head),
          journal: false,
          finalityDepth: config.finalityDepth,
          writeMethod: config.writeMethod,
          onApplied: (seconds) => (applied = seconds),
        });
      });
      const stage = (name: string, seconds: number) =>
        metrics.inc("dvpn_indexer_backfill_seconds_total", { stage: name }, seconds);
      stage("fetch", (t1 - t0 - decodedInWait) / 1000);
      stage("decode", (range.decoded.end - range.decoded.start) / 1000);
      stage("apply", applied);
      stage("write", (performance.now() - t1) / 1000 - applied);
      indexed = toBlock;
      events = decoded.length;
      backfillHead = { head, at: reused?.at ?? tStep };
    } else {
      const block = await rpc.getBlock(next);
      if (!block) return false;
      const parent = cp ? await readBlock(db.prisma, next - 1) : undefined;
      if (cp && parent && block.parentHash !== parent.hash) {
        let linked = false;
        if (block.parentHash === ZERO_HASH) {
          // Hardhat's hardhat_mine(count) leaves parentHash zero: check by number instead.
          linked = (await rpc.getBlock(next - 1))?.hash === parent.hash;
        }
        if (!linked) {
          await handleReorg(cp, next - 1, head);
          return true;
        }
      }
      let logs;
      for (let delay = 250; ; delay = Math.min(delay * 2, 10_000)) {
        try {
          logs = await rpc.getLogsOnce({ address: addresses, blockHash: block.hash });
          break;
        } catch (error) {
          if (shutdown.isKilled) throw error;
          logger.warn({ block: next, err: (error as Error).message.split("\n")[0] }, "eth_getLogs failed, retrying");
          await sleep(delay, shutdown.signal);
        }
      }
      const decoded = decodeLogs(logs, contracts, new Map([[block.number, block.timestamp]]));
      await db.transaction((tx) =>
        indexRange(tx, {
          events: decoded,
          toBlock: block,
          base: base(cp, head),
          journal: true,
          finalityDepth: config.finalityDepth,
          writeMethod: config.writeMethod,
        }),
      );
      indexed = block.number;
      events = decoded.length;
    }
    metrics.inc("dvpn_indexer_events_total", undefined, events);
    metrics.set("dvpn_indexer_indexed_block", indexed);
    metrics.set("dvpn_indexer_head_lag_blocks", Math.max(0, head.number - indexed));
    if (events > 0) logger.debug({ from: next, to: indexed, events }, "indexed");
    return true;
  }

  return {
    // Ready once the head was reached, as long as the index stays within a few blocks of it.
    isCaughtUp: () => caughtUp && lag <= READY_LAG_BLOCKS,
    caughtUp: caughtUpPromise,
    async run() {
      logger.info({ startBlock: deployment.startBlock, chainId: deployment.chainId }, "sync started");
      while (!shutdown.isKilled) {
        let more = false;
        try {
          more = await step();
        } catch (error) {
          if (shutdown.isKilled) break;
          if (error instanceof DatabaseMismatchError || error instanceof WriterLockLostError) throw error;
          logger.error({ err: (error as Error).message }, "sync step failed, retrying");
          await sleep(1000, shutdown.signal);
          continue;
        }
        if (!more) await sleep(config.pollIntervalMs, shutdown.signal);
      }
    },
  };
}
