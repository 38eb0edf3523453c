import { windowStart } from "../indexing/reputation.ts";
import type { FeedContext } from "./context.ts";

interface RegionStats {
  region: string;
  providers: number;
  providersOnline: number;
  totalStake: bigint;
  activeSessions: number;
  bytes24h: bigint;
  volume24h: bigint;
  sessionsOpened24h: number;
}

type Stats = Awaited<ReturnType<typeof readStats>>;
/** The last answer per server (reader), with the checkpoint it was read at. */
const lastAnswer = new WeakMap<object, { key: string; value: Promise<Stats> }>();

/**
 * networkStats once per indexed block: every value depends only on the indexed state and chain
 * time (the checkpoint's block and head) and the heartbeat timeout, so requests until the next block is indexed (or the
 * head moves) share one read of the totals.
 */
export async function networkStats(ctx: FeedContext): Promise<Stats> {
  const [cp, params] = await Promise.all([ctx.checkpoint(), ctx.params()]);
  if (!cp) return readStats(ctx);
  // The parameter it reads is in the key too: the parameter cache refreshes on its own clock.
  const key = `${cp.blockNumber}:${cp.blockHash}:${cp.headTimestamp}:${params.get("heartbeatTimeout")}`;
  const last = lastAnswer.get(ctx.read);
  if (last?.key === key) return last.value;
  const value = readStats(ctx);
  lastAnswer.set(ctx.read, { key, value });
  value.catch(() => {
    if (lastAnswer.get(ctx.read)?.value === value) lastAnswer.delete(ctx.read);
  });
  return value;
}

/**
 * networkStats from the totals maintained while indexing (`indexing/totals.ts`) and the
 * per-region hourly buckets: one row per region, the heartbeat seconds of the timeout window
 * and 24 buckets per region are read, never the providers table, so the cost does not grow
 * with the number of providers.
 */
async function readStats(ctx: FeedContext) {
  const [now, params] = await Promise.all([ctx.now(), ctx.params()]);
  const fresh = now - Number(params.get("heartbeatTimeout") ?? 0n);
  const [totals, online, hours] = await Promise.all([
    ctx.read.query<{ region: string; providers: number; stake: string; active: number }>(
      `SELECT region, providers, stake::text AS stake, "activeSessions" AS active FROM region_totals WHERE "rows" > 0`,
      [],
      "dvpn_stats_totals",
    ),
    ctx.read.query<{ region: string; online: number }>(
      `SELECT region, SUM(providers)::int4 AS online FROM region_beats WHERE "lastHeartbeat" >= $1::int4 GROUP BY region`,
      [fresh],
      "dvpn_stats_online",
    ),
    ctx.read.query<{ region: string; bytes: string; volume: string; opened: number }>(
      `SELECT region, SUM(bytes)::text AS bytes, SUM(volume)::text AS volume, SUM("sessionsOpened")::int4 AS opened
       FROM region_hours WHERE hour >= $1::int4 GROUP BY region`,
      [windowStart(now, 24)],
      "dvpn_stats_hours",
    ),
  ]);
  const regions = new Map<string, RegionStats>();
  const get = (region: string) => {
    let r = regions.get(region);
    if (!r) {
      r = {
        region,
        providers: 0,
        providersOnline: 0,
        totalStake: 0n,
        activeSessions: 0,
        bytes24h: 0n,
        volume24h: 0n,
        sessionsOpened24h: 0,
      };
      regions.set(region, r);
    }
    return r;
  };
  for (const row of totals) {
    const r = get(row.region);
    r.providers = Number(row.providers);
    r.totalStake = BigInt(row.stake);
    r.activeSessions = Number(row.active);
  }
  for (const row of online) get(row.region).providersOnline = Number(row.online);
  for (const row of hours) {
    const r = get(row.region);
    r.bytes24h = BigInt(row.bytes);
    r.volume24h = BigInt(row.volume);
    r.sessionsOpened24h = Number(row.opened);
  }
  const byRegion = [...regions.values()].sort((a, b) => a.region.localeCompare(b.region));
  const sum = (k: "providers" | "providersOnline" | "activeSessions" | "sessionsOpened24h") =>
    byRegion.reduce((s, r) => s + r[k], 0);
  const sumBig = (k: "totalStake" | "bytes24h" | "volume24h") => byRegion.reduce((s, r) => s + r[k], 0n);
  return {
    providers: sum("providers"),
    providersOnline: sum("providersOnline"),
    totalStake: sumBig("totalStake"),
    activeSessions: sum("activeSessions"),
    bytes24h: sumBig("bytes24h"),
    volume24h: sumBig("volume24h"),
    sessionsOpened24h: sum("sessionsOpened24h"),
    byRegion,
  };
}
