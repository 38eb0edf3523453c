import { Prisma } from "../../generated/prisma/client.ts";
import type { Config } from "../config/createConfig.ts";
import type { Database, PrismaClient } from "../database/createDatabase.ts";
import type { Reader } from "../database/reader.ts";
import { readCheckpoint, type Checkpoint } from "../database/checkpoint.ts";
import { hourOf, windowStart } from "../indexing/reputation.ts";

/** Everything a resolver needs, created per request. */
export interface FeedContext {
  prisma: PrismaClient;
  /** Plain SQL reads (prepared statements on PostgreSQL) for the hot paths. */
  read: Reader;
  config: Config;
  /** The checkpoint (cached briefly across requests). */
  checkpoint(): Promise<Checkpoint | undefined>;
  /** Chain time used for availability, uptime and proposal states: the head's timestamp. */
  now(): Promise<number>;
  /** Parameter values by name (cached briefly). */
  params(): Promise<Map<string, bigint>>;
  /** Seconds the database read is behind its primary (streaming replica), null on a primary (cached briefly). */
  replicaLag(): Promise<number | null>;
  /**
   * `volatile` is set once the request has read something outside the indexed state (a replica's
   * lag, no checkpoint at all, or the wall clock for want of one): its answer is then not kept by
   * the answer cache. An object, so the copy of the context graphql-yoga hands to resolvers shares it.
   */
  reads: { volatile: boolean };
  /** Covered heartbeat seconds in the window for a provider, batched per request. */
  covered(provider: string, now: number, hours: number): Promise<number>;
  /** Records covered seconds already read (by a list query) for `covered` to answer from. */
  primeCovered(hours: number, now: number, byProvider: Map<string, number>): void;
}

/** Caches shared by every request of one server (refreshed every `ttlMs`); `close` stops listening for checkpoints. */
export function createSharedCache(db: Pick<Database, "prisma" | "read" | "replicaLag">, ttlMs = 250) {
  const { prisma } = db;
  let lag: { at: number; value: Promise<number | null> } | undefined;
  let cp: { at: number; value: Promise<Checkpoint | undefined> } | undefined;
  let params:
    { at: number; forCheckpoint: Promise<Checkpoint | undefined>; value: Promise<Map<string, bigint>> } | undefined;
  // A change of the checkpoint announced by the database (primary, PGlite) expires what depends
  // on it now rather than at the end of `ttlMs`; parameters change only with indexed blocks.
  const unlisten = db.read.onCheckpoint(() => {
    cp = undefined;
    params = undefined;
  });
  const checkpoint = () => {
    if (!cp || Date.now() - cp.at > ttlMs)
      cp = { at: Date.now(), value: readCheckpoint(prisma).catch(() => undefined) };
    return cp.value;
  };
  return {
    read: db.read,
    close: unlisten,
    checkpoint,
    replicaLag() {
      if (!lag || Date.now() - lag.at > ttlMs) lag = { at: Date.now(), value: db.replicaLag().catch(() => null) };
      return lag.value;
    },
    params() {
      // Read again whenever the checkpoint is: parameters change only with indexed blocks, so an
      // answer never pairs a checkpoint with parameters older than it (the answer cache keys by it).
      const forCheckpoint = checkpoint();
      if (!params || params.forCheckpoint !== forCheckpoint || Date.now() - params.at > ttlMs) {
        params = {
          forCheckpoint,
          at: Date.now(),
          value: prisma.parameter
            .findMany()
            .then((rows) => new Map(rows.map((r) => [r.id, BigInt(r.value.toFixed())]))),
        };
      }
      return params.value;
    },
  };
}

/**
 * Covered heartbeat seconds for many (provider, now) pairs in one query: each pair's window is
 * the `hours` hourly buckets ending with the hour of its `now`. PostgreSQL sums the buckets, so
 * one row per pair comes back rather than every bucket.
 */
async function coveredBatch(prisma: PrismaClient, pairs: { provider: string; now: number }[], hours: number) {
  const out = new Map<string, number>();
  if (pairs.length === 0) return out;
  const windows = pairs.map(
    (p, i) => Prisma.sql`(${i}::int4, ${p.provider}::text, ${windowStart(p.now, hours)}::int4, ${hourOf(p.now)}::int4)`,
  );
  const rows = await prisma.$queryRaw<{ i: number; s: bigint }[]>(
    Prisma.sql`SELECT w.i, SUM(h."coveredSeconds")::int8 AS s
      FROM (VALUES ${Prisma.join(windows)}) AS w(i, provider, a, b)
      JOIN provider_hours h ON h.provider = w.provider AND h.hour >= w.a AND h.hour <= w.b
      GROUP BY w.i`,
  );
  for (const p of pairs) out.set(`${p.provider}@${p.now}`, 0);
  for (const r of rows) {
    const p = pairs[Number(r.i)];
    if (p) out.set(`${p.provider}@${p.now}`, Number(r.s));
  }
  return out;
}

export function createContext(
  prisma: PrismaClient,
  config: Config,
  shared: ReturnType<typeof createSharedCache>,
): FeedContext {
  const pending = new Map<
    number,
    { pairs: Map<string, { provider: string; now: number }>; promise: Promise<Map<string, number>> }
  >();
  const primed = new Map<string, number>();
  const ctx: FeedContext = {
    prisma,
    read: shared.read,
    config,
    async checkpoint() {
      const cp = await shared.checkpoint();
      // None read (nothing indexed yet, or the database unreachable for a moment): an answer
      // built on that is no function of the indexed state, so it is not kept.
      if (!cp) ctx.reads.volatile = true;
      return cp;
    },
    async now() {
      const cp = await shared.checkpoint();
      if (cp) return Math.max(cp.headTimestamp, cp.blockTimestamp);
      ctx.reads.volatile = true;
      return Math.floor(Date.now() / 1000);
    },
    params: () => shared.params(),
    async replicaLag() {
      const lag = await shared.replicaLag();
      // A lag moves with the wall clock; none (a primary, PGlite) is part of the indexed state.
      if (lag !== null) ctx.reads.volatile = true;
      return lag;
    },
    reads: { volatile: false },
    primeCovered(hours, now, byProvider) {
      for (const [provider, seconds] of byProvider) primed.set(`${hours}:${provider}@${now}`, seconds);
    },
    covered(provider, now, hours) {
      const known = primed.get(`${hours}:${provider}@${now}`);
      if (known !== undefined) return Promise.resolve(known);
      let batch = pending.get(hours);
      if (!batch) {
        const pairs = new Map<string, { provider: string; now: number }>();
        const promise = new Promise<Map<string, number>>((resolve, reject) => {
          setImmediate(() => {
            pending.delete(hours);
            coveredBatch(prisma, [...pairs.values()], hours).then(resolve, reject);
          });
        });
        batch = { pairs, promise };
        pending.set(hours, batch);
      }
      const key = `${provider}@${now}`;
      batch.pairs.set(key, { provider, now });
      return batch.promise.then((m) => m.get(key) ?? 0);
    },
  };
  return ctx;
}
