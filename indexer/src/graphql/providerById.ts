import { selectList } from "../database/sql.ts";
import { TABLES } from "../database/tables.ts";
import { HOUR, hourOf, windowStart } from "../indexing/reputation.ts";
import type { FeedContext } from "./context.ts";

const COVERED = (from: string, to: string) =>
  `(SELECT COALESCE(SUM(h."coveredSeconds"), 0)::int4 FROM provider_hours h WHERE h.provider = p.id AND h.hour >= ${from} AND h.hour <= ${to})`;

/** The scored hour and the first hour of the 7-day window the stored score was computed over. */
const SCORE_HOUR = `(p."scoreAt" / ${HOUR}) * ${HOUR}`;

/**
 * One prepared statement: the provider row (numeric columns as decimal text) and the covered
 * heartbeat seconds of every uptime window a provider query can select (24 h and 7 d ending
 * now, 7 d ending at the stored score's time), each an index range scan of ≤ 168 buckets.
 */
const TEXT = `SELECT ${selectList(TABLES.providers)},
  ${COVERED("$2::int4", "$4::int4")} AS "_covered24",
  ${COVERED("$3::int4", "$4::int4")} AS "_covered168",
  ${COVERED(`${SCORE_HOUR} - ${167 * HOUR}`, SCORE_HOUR)} AS "_coveredScore"
FROM providers p WHERE p.id = $1::text`;

/**
 * A provider by checksummed address in one round trip, or null. The uptime windows it read
 * are handed to the request's `covered` cache, so the reputation fields ask nothing more.
 */
export async function providerById(ctx: FeedContext, id: string): Promise<Record<string, unknown> | null> {
  const now = await ctx.now();
  const [row] = await ctx.read.query(
    TEXT,
    [id, windowStart(now, 24), windowStart(now, 168), hourOf(now)],
    "dvpn_provider_by_id",
  );
  if (!row) return null;
  const { _covered24, _covered168, _coveredScore, ...provider } = row;
  ctx.primeCovered(24, now, new Map([[id, Number(_covered24)]]));
  ctx.primeCovered(168, now, new Map([[id, Number(_covered168)]]));
  ctx.primeCovered(168, provider.scoreAt as number, new Map([[id, Number(_coveredScore)]]));
  return provider;
}
