import { Prisma } from "../../generated/prisma/client.ts";
import { indexedState } from "../database/checkpoint.ts";
import { statementName } from "../database/reader.ts";
import type { FeedContext } from "./context.ts";

/** The filter fields a maintained total answers; any other set field needs a count. */
interface CountableFilter {
  region?: string | null;
  available?: boolean | null;
  registered?: boolean | null;
  [other: string]: unknown;
}

/** Counts kept per server, each valid for one indexed block (and chain time). */
const MAX_CACHED = 500;
const cache = new WeakMap<object, Map<string, Promise<number>>>();

/**
 * The number of providers matching a `providers` filter, without counting every matching row
 * on each page: a filter on nothing but the region, `registered: true` and `available: true`
 * is answered from the totals maintained while indexing (`indexing/totals.ts`: one row per
 * region, or the heartbeat seconds of the timeout window); any other filter is counted once
 * per indexed block and shared by every request (and page) asking the same filter until the
 * next block is indexed.
 */
export async function providerCount(
  ctx: FeedContext,
  where: Prisma.Sql,
  args: object | null | undefined,
): Promise<number> {
  const filter = args as CountableFilter | null | undefined;
  const set = Object.entries(filter ?? {}).filter(([, v]) => v !== null && v !== undefined);
  const region = typeof filter?.region === "string" ? filter.region.toUpperCase() : null;
  const only = (allowed: Record<string, unknown>) =>
    set.every(([k, v]) => k === "region" || (k in allowed && allowed[k] === v));
  if (only({})) {
    const [r] = await ctx.read.query<{ n: number }>(
      `SELECT COALESCE(SUM("rows"), 0)::int4 AS n FROM region_totals WHERE $1::text IS NULL OR region = $1::text`,
      [region],
      "dvpn_count_rows",
    );
    return r?.n ?? 0;
  }
  if (only({ registered: true })) {
    const [r] = await ctx.read.query<{ n: number }>(
      `SELECT COALESCE(SUM(providers), 0)::int4 AS n FROM region_totals WHERE $1::text IS NULL OR region = $1::text`,
      [region],
      "dvpn_count_registered",
    );
    return r?.n ?? 0;
  }
  if (only({ available: true, registered: true })) {
    const [now, params] = await Promise.all([ctx.now(), ctx.params()]);
    const fresh = now - Number(params.get("heartbeatTimeout") ?? 0n);
    const [r] = await ctx.read.query<{ n: number }>(
      `SELECT COALESCE(SUM(providers), 0)::int4 AS n FROM region_beats
       WHERE "lastHeartbeat" >= $2::int4 AND ($1::text IS NULL OR region = $1::text)`,
      [region, fresh],
      "dvpn_count_available",
    );
    return r?.n ?? 0;
  }
  return countPerBlock(ctx, Prisma.sql`SELECT COUNT(*)::int4 AS n FROM providers WHERE ${where}`);
}

/**
 * Runs a `SELECT COUNT(*)::int4 AS n …` statement once per indexed state (block, head, reorgs:
 * {@link indexedState}): requests with the same statement and values until the next block is
 * indexed share its answer. Without a readable checkpoint every request counts for itself.
 */
export async function countPerBlock(ctx: FeedContext, count: Prisma.Sql): Promise<number> {
  const cp = await ctx.checkpoint();
  const run = () =>
    ctx.read
      .query<{ n: number }>(count.text, count.values, statementName(count.text, count.values))
      .then((rows) => Number(rows[0]?.n ?? 0));
  if (!cp) return run();
  const key = `${indexedState(cp)}|${count.text}|${JSON.stringify(count.values)}`;
  let byKey = cache.get(ctx.read);
  if (!byKey) cache.set(ctx.read, (byKey = new Map()));
  let n = byKey.get(key);
  if (!n) {
    if (byKey.size >= MAX_CACHED) byKey.clear();
    n = run();
    byKey.set(key, n);
    const map = byKey;
    n.catch(() => map.delete(key));
  }
  return n;
}
