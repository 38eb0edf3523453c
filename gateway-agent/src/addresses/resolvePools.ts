/**
 * Which pools an agent hands addresses from, decided once at start, each pool on its own:
 * 1. the configured one (`ipv4Pool` / `ipv6Pool`), when set: the operator's choice wins;
 * 2. else, while the store holds addresses of live sessions, the pool those were given: the one
 *    recorded in the store's meta, or for a store written before pools were recorded, the old
 *    default every agent used then (10.77.0.0/16, fd77:dead:beef::/64). Live sessions are never
 *    renumbered by an upgrade;
 * 3. else the pool derived from the provider's account ({@link derivePools}).
 * The result is recorded in the store's meta, so a later start finds the pool its sessions have.
 */
import type { Address } from "viem";
import type { Store } from "../store/store.ts";
import { derivePools, LEGACY_POOLS } from "./derivePool.ts";
import { parsePool } from "./pool.ts";

/** Where a pool came from. */
export type PoolSource = "config" | "store" | "derived";

/** The pools an agent uses. `ipv6Pool` is "" for IPv4 only. */
export interface ResolvedPools {
  ipv4Pool: string;
  ipv6Pool: string;
  source: { ipv4: PoolSource; ipv6: PoolSource };
  /** The account's derived pools (what a fresh store would use). */
  derived: { ipv4Pool: string; ipv6Pool: string };
}

/** The store's meta keys holding the pools in use. */
export const POOL_META = { ipv4: "ipv4Pool", ipv6: "ipv6Pool" } as const;

/**
 * Decides the pools (see the module's description) and, with a store, records them in its meta.
 * @param p the configured pools (undefined when unset), the provider's account, and the store
 *   (none: nothing held, nothing recorded).
 * @returns the pools, where each came from, and the derived ones.
 * @throws ConfigError when the pools do not parse (nothing recorded then).
 * @example resolvePools({ ipv4Pool: config.ipv4Pool, ipv6Pool: config.ipv6Pool, provider, store })
 */
export function resolvePools(p: {
  ipv4Pool: string | undefined;
  ipv6Pool: string | undefined;
  provider: Address;
  store?: Store;
}): ResolvedPools {
  const derived = derivePools(p.provider);
  const live = p.store?.addresses().some((e) => e.sessionId !== null) ?? false;
  const pick = (configured: string | undefined, key: string, legacy: string, fresh: string) => {
    if (configured !== undefined) return { pool: configured, source: "config" as const };
    if (live) return { pool: p.store?.getMeta(key) ?? legacy, source: "store" as const };
    return { pool: fresh, source: "derived" as const };
  };
  const v4 = pick(p.ipv4Pool, POOL_META.ipv4, LEGACY_POOLS.ipv4Pool, derived.ipv4Pool);
  const v6 = pick(p.ipv6Pool, POOL_META.ipv6, LEGACY_POOLS.ipv6Pool, derived.ipv6Pool);
  // A bad configured pool is refused (ConfigError) before anything is recorded.
  parsePool(v4.pool, v6.pool || null);
  if (p.store) {
    const store = p.store;
    store.transaction(() => {
      store.setMeta(POOL_META.ipv4, v4.pool);
      store.setMeta(POOL_META.ipv6, v6.pool);
    });
  }
  return { ipv4Pool: v4.pool, ipv6Pool: v6.pool, source: { ipv4: v4.source, ipv6: v6.source }, derived };
}
