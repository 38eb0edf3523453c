import type { Config } from "../config/createConfig.ts";
import type { PrismaClient } from "../database/createDatabase.ts";
import { readCheckpoint, type Checkpoint } from "../database/checkpoint.ts";
import { coveredInWindow } from "../indexing/refreshScores.ts";

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

export function createContext(
  prisma: PrismaClient,
  config: Config,
  shared: ReturnType<typeof createSharedCache>,
): FeedContext {
  const pending = new Map<string, { ids: Set<string>; promise: Promise<Map<string, number>> }>();
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
      const k = `${now}:${hours}`;
      let batch = pending.get(k);
      if (!batch) {
        const ids = new Set<string>();
        const promise = new Promise<Map<string, number>>((resolve, reject) => {
          setImmediate(() => {
            pending.delete(k);
            coveredInWindow(prisma, [...ids], now, hours).then(resolve, reject);
          });
        });
        batch = { ids, promise };
        pending.set(k, batch);
      }
      batch.ids.add(provider);
      return batch.promise.then((m) => m.get(provider) ?? 0);
    },
  };
}
