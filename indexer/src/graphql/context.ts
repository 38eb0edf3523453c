import type { Config } from "../config/createConfig.ts";
import type { PrismaClient } from "../database/createDatabase.ts";
import { readCheckpoint, type Checkpoint } from "../database/checkpoint.ts";
import { hourOf, windowStart } from "../indexing/reputation.ts";

/** Everything a resolver needs, created per request. */
export interface FeedContext {
  prisma: PrismaClient;
  config: Config;
  /** The checkpoint (cached briefly across requests). */
  checkpoint(): Promise<Checkpoint | undefined>;
  /** Chain time used for availability, uptime and proposal states: the head's timestamp. */
  now(): Promise<number>;
  /** Parameter values by name (cached briefly). */
  params(): Promise<Map<string, bigint>>;
  /** Covered heartbeat seconds in the window for a provider, batched per request. */
  covered(provider: string, now: number, hours: number): Promise<number>;
}

/** Caches shared by every request of one server (refreshed every `ttlMs`). */
export function createSharedCache(prisma: PrismaClient, ttlMs = 250) {
  let cp: { at: number; value: Promise<Checkpoint | undefined> } | undefined;
  let params: { at: number; value: Promise<Map<string, bigint>> } | undefined;
  return {
    checkpoint() {
      if (!cp || Date.now() - cp.at > ttlMs)
        cp = { at: Date.now(), value: readCheckpoint(prisma).catch(() => undefined) };
      return cp.value;
    },
    params() {
      if (!params || Date.now() - params.at > ttlMs) {
        params = {
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
 * the `hours` hourly buckets ending with the hour of its `now`.
 */
async function coveredBatch(prisma: PrismaClient, pairs: { provider: string; now: number }[], hours: number) {
  const out = new Map<string, number>();
  if (pairs.length === 0) return out;
  const from = Math.min(...pairs.map((p) => windowStart(p.now, hours)));
  const to = Math.max(...pairs.map((p) => hourOf(p.now)));
  const ids = [...new Set(pairs.map((p) => p.provider))];
  const placeholders = ids.map((_, i) => `$${i + 3}`).join(", ");
  const rows = await prisma.$queryRawUnsafe<{ provider: string; hour: number; s: number }[]>(
    `SELECT provider, hour, "coveredSeconds" AS s FROM provider_hours WHERE hour >= $1::int4 AND hour <= $2::int4 AND provider IN (${placeholders})`,
    from,
    to,
    ...ids,
  );
  const byProvider = new Map<string, { hour: number; s: number }[]>();
  for (const r of rows) {
    let list = byProvider.get(r.provider);
    if (!list) byProvider.set(r.provider, (list = []));
    list.push({ hour: Number(r.hour), s: Number(r.s) });
  }
  for (const { provider, now } of pairs) {
    const a = windowStart(now, hours);
    const b = hourOf(now);
    let sum = 0;
    for (const r of byProvider.get(provider) ?? []) if (r.hour >= a && r.hour <= b) sum += r.s;
    out.set(`${provider}@${now}`, sum);
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
  return {
    prisma,
    config,
    checkpoint: () => shared.checkpoint(),
    async now() {
      const cp = await shared.checkpoint();
      return cp ? Math.max(cp.headTimestamp, cp.blockTimestamp) : Math.floor(Date.now() / 1000);
    },
    params: () => shared.params(),
    covered(provider, now, hours) {
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
}
