/**
 * The tunnel address pool: host index i of the IPv4 pool pairs with the same index in the
 * IPv6 pool, so one index is one allocation. Index 1 is the gateway (the agent's own
 * interface address); the network and broadcast indexes are never handed out. A released
 * index is reused only after the quarantine, and allocation walks on from the last index
 * handed out (next fit), so recently freed addresses are the last to come back.
 */
import { isIPv4, isIPv6 } from "node:net";
import { intToIpv4, ipv4ToInt } from "../../../sdk/src/wireguard/ipv4.ts";
import { AddressPoolExhaustedError, ConfigError } from "../errors.ts";

/** A parsed pool. */
export interface PoolLayout {
  v4Base: number;
  v4Prefix: number;
  v6Base: bigint | null;
  v6Prefix: number;
  /** Highest host index that can be handed out. */
  maxIndex: number;
}

/** The addresses of one index. */
export interface TunnelAddress {
  index: number;
  ipv4: string;
  ipv6: string | null;
  /** What `acceptSession` carries: `"10.77.0.2/16,fd77:dead:beef::2/64"`. */
  tunnelAddress: string;
  /** The peer's allowed IPs on the agent's interface: `/32` and `/128`. */
  allowedIps: string[];
}

/** What the pool remembers of an index. */
export interface PoolEntry {
  index: number;
  /** The session holding it, or null when released. */
  sessionId: string | null;
  /** Unix seconds when it was released (quarantine start). */
  releasedAt: number;
}

function v6ToBigInt(ip: string): bigint {
  const [head = "", tail] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || "0", 16)), 0n);
}

function bigIntToV6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}

/**
 * Parses the IPv4 pool (prefix 8–30) and the optional IPv6 pool.
 * @throws ConfigError naming the bad pool.
 */
export function parsePool(ipv4Pool: string, ipv6Pool: string | null): PoolLayout {
  const m4 = /^([\d.]+)\/(\d{1,2})$/.exec(ipv4Pool);
  if (!m4 || !isIPv4(m4[1] ?? "") || Number(m4[2]) < 8 || Number(m4[2]) > 30) {
    throw new ConfigError(
      `ipv4Pool ${JSON.stringify(ipv4Pool)} is not an IPv4 CIDR with prefix 8–30 (e.g. 10.77.0.0/16)`,
    );
  }
  const v4Prefix = Number(m4[2]);
  const size = 2 ** (32 - v4Prefix);
  const v4Base = ipv4ToInt(m4[1] ?? "") - (ipv4ToInt(m4[1] ?? "") % size);
  let v6Base: bigint | null = null;
  let v6Prefix = 0;
  if (ipv6Pool) {
    const m6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(ipv6Pool);
    if (!m6 || !isIPv6(m6[1] ?? "") || Number(m6[2]) > 120 || Number(m6[2]) < 8) {
      throw new ConfigError(
        `ipv6Pool ${JSON.stringify(ipv6Pool)} is not an IPv6 CIDR with prefix 8–120 (e.g. fd77:dead:beef::/64)`,
      );
    }
    v6Prefix = Number(m6[2]);
    if (2n ** BigInt(128 - v6Prefix) < BigInt(size)) {
      throw new ConfigError(`ipv6Pool ${ipv6Pool} is smaller than ipv4Pool ${ipv4Pool}; give it a shorter prefix`);
    }
    const mask = (1n << BigInt(128 - v6Prefix)) - 1n;
    v6Base = v6ToBigInt(m6[1] ?? "") & ~mask;
  }
  return { v4Base, v4Prefix, v6Base, v6Prefix, maxIndex: size - 2 };
}

/** The addresses of host `index` in `layout`. */
export function addressesOf(layout: PoolLayout, index: number): TunnelAddress {
  const ipv4 = intToIpv4(layout.v4Base + index);
  const ipv6 = layout.v6Base === null ? null : bigIntToV6(layout.v6Base + BigInt(index));
  const tunnelAddress = ipv6 ? `${ipv4}/${layout.v4Prefix},${ipv6}/${layout.v6Prefix}` : `${ipv4}/${layout.v4Prefix}`;
  const allowedIps = ipv6 ? [`${ipv4}/32`, `${ipv6}/128`] : [`${ipv4}/32`];
  return { index, ipv4, ipv6, tunnelAddress, allowedIps };
}

/**
 * Whether `address` lies inside the layout's IPv4 or IPv6 pool (an IPv4-mapped IPv6 address
 * counts as its IPv4 address).
 * @param layout the pools.
 * @param address an IP address without a prefix.
 * @returns true inside a pool.
 * @example inPool(parsePool("10.77.0.0/16", null), "10.77.3.4") // true
 */
export function inPool(layout: PoolLayout, address: string): boolean {
  const a = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  if (isIPv4(a)) {
    const size = 2 ** (32 - layout.v4Prefix);
    return ipv4ToInt(a) - layout.v4Base >= 0 && ipv4ToInt(a) - layout.v4Base < size;
  }
  if (!isIPv6(a) || layout.v6Base === null || a.includes(".")) return false;
  const mask = (1n << BigInt(128 - layout.v6Prefix)) - 1n;
  return (v6ToBigInt(a.replace(/%.*$/, "")) & ~mask) === layout.v6Base;
}

/** The gateway (index 1): the agent's interface addresses with the pool prefixes. */
export function gatewayOf(layout: PoolLayout): {
  ipv4: string;
  ipv6: string | null;
  v4Cidr: string;
  v6Cidr: string | null;
} {
  const a = addressesOf(layout, 1);
  return {
    ipv4: a.ipv4,
    ipv6: a.ipv6,
    v4Cidr: `${a.ipv4}/${layout.v4Prefix}`,
    v6Cidr: a.ipv6 ? `${a.ipv6}/${layout.v6Prefix}` : null,
  };
}

/** An allocator over a layout, holding the entries the store persisted. */
export interface AddressPool {
  layout: PoolLayout;
  /** Number of indexes that can be handed out in total. */
  capacity: number;
  /** Number held by sessions now. */
  inUse(): number;
  /**
   * Hands out a free index outside quarantine to `sessionId`.
   * @throws AddressPoolExhaustedError when every index is held or quarantined.
   */
  allocate(sessionId: string, now: number): TunnelAddress;
  /**
   * Gives `index` back to `sessionId` if nobody holds it now (released, in quarantine or not): a
   * session dropped by mistake and re-admitted keeps the address its client was told.
   * @returns the address, or undefined when the index is held or was never handed out.
   */
  reclaim(index: number, sessionId: string): TunnelAddress | undefined;
  /** Releases `index`; it stays in quarantine for the configured time. */
  release(index: number, now: number): void;
  /** Every entry (for persistence). */
  entry(index: number): PoolEntry | undefined;
}

/**
 * Creates an allocator.
 * @param entries indexes held or released before (from the store); others are free.
 * @param cursor the last index handed out, to continue the next-fit walk after a restart.
 */
export function createAddressPool(params: {
  layout: PoolLayout;
  quarantineSeconds: number;
  entries?: PoolEntry[];
  cursor?: number;
}): AddressPool {
  const { layout, quarantineSeconds } = params;
  const entries = new Map<number, PoolEntry>();
  let held = 0;
  for (const e of params.entries ?? []) {
    entries.set(e.index, { ...e });
    if (e.sessionId !== null) held++;
  }
  const first = 2;
  const capacity = layout.maxIndex - first + 1;
  let cursor = params.cursor ?? first - 1;
  return {
    layout,
    capacity,
    inUse: () => held,
    entry: (index) => entries.get(index),
    allocate(sessionId, now) {
      for (let n = 0; n < capacity; n++) {
        const index = first + ((cursor - first + 1 + n + capacity) % capacity);
        const e = entries.get(index);
        if (e && (e.sessionId !== null || now < e.releasedAt + quarantineSeconds)) continue;
        entries.set(index, { index, sessionId, releasedAt: 0 });
        held++;
        cursor = index;
        return addressesOf(layout, index);
      }
      throw new AddressPoolExhaustedError(
        `tunnel address pool exhausted: ${held} of ${capacity} in use, the rest in quarantine`,
      );
    },
    reclaim(index, sessionId) {
      const e = entries.get(index);
      if (!e || e.sessionId !== null) return undefined;
      e.sessionId = sessionId;
      e.releasedAt = 0;
      held++;
      return addressesOf(layout, index);
    },
    release(index, now) {
      const e = entries.get(index);
      if (!e || e.sessionId === null) return;
      e.sessionId = null;
      e.releasedAt = now;
      held--;
    },
  };
}
