import type { Db } from "../database/createDatabase.ts";
import type { Row, RowOf } from "../database/tables.ts";
import type { Params } from "./handlers.ts";
import { computeScore, histogramMedian, hourOf, uptime, windowStart } from "./reputation.ts";
import type { BatchStore } from "./store.ts";

/** A stored score older than this (chain seconds) is recomputed with the next indexed range. */
export const SCORE_MAX_AGE = 3600;

/** Loads up to `limit` providers whose stored score is stale, so the range refreshes them. */
export async function loadStaleProviders(tx: Db, store: BatchStore, now: number, limit = 500): Promise<void> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM providers WHERE "scoreAt" < $1::int4 ORDER BY "scoreAt" LIMIT ${limit}`,
    now - SCORE_MAX_AGE,
  );
  if (rows.length === 0) return;
  await store.load(
    "providers",
    rows.map((r) => ({ id: r.id })),
  );
  for (const r of rows) store.put("providers", store.get("providers", { id: r.id })!);
}

/** Covered seconds per provider in the buckets of the last `hours` hours (database + pending). */
export async function coveredInWindow(
  db: Db,
  ids: string[],
  now: number,
  hours: number,
  pending: RowOf<"provider_hours">[] = [],
): Promise<Map<string, number>> {
  const from = windowStart(now, hours);
  const to = hourOf(now);
  const out = new Map<string, number>(ids.map((id) => [id, 0]));
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    const placeholders = chunk.map((_, i) => `$${i + 3}`).join(", ");
    const rows = await db.$queryRawUnsafe<{ provider: string; s: number | bigint }[]>(
      `SELECT provider, SUM("coveredSeconds")::int8 AS s FROM provider_hours WHERE hour >= $1::int4 AND hour <= $2::int4 AND provider IN (${placeholders}) GROUP BY provider`,
      from,
      to,
      ...chunk,
    );
    for (const r of rows) out.set(r.provider, Number(r.s));
  }
  for (const b of pending) {
    if (b.hour >= from && b.hour <= to && out.has(b.provider)) {
      out.set(b.provider, out.get(b.provider)! + b.coveredSeconds);
    }
  }
  return out;
}

/** Uptime, acceptance and score inputs of a provider row at `now`. */
export function scoreOf(p: Row, covered7d: number, now: number, params: Params) {
  const uptime7d = uptime({
    now,
    hours: 168,
    registeredAt: p.registeredAt as number,
    coveredUntil: p.coveredUntil as number,
    coveredInWindow: covered7d,
  });
  return computeScore({
    uptime7d,
    sessionsAcceptedPaid: p.sessionsAcceptedPaid as number,
    sessionsMissed: p.sessionsMissed as number,
    sessionsCompleted: p.sessionsCompleted as number,
    medianAcceptSeconds: histogramMedian(p.acceptHistogram as Record<string, number>),
    acceptTimeout: Number(params.get("acceptTimeout") ?? 300n),
    slashCount: p.slashCount as number,
  });
}

/** Recomputes the stored score of every provider changed in the range. */
export async function refreshScores(tx: Db, store: BatchStore, now: number, params: Params): Promise<void> {
  const keys = store.dirtyKeys("providers");
  if (keys.length === 0) return;
  const ids = keys.map((k) => k.id);
  const covered = await coveredInWindow(tx, ids, now, 168, store.pending("provider_hours"));
  for (const id of ids) {
    const p = store.get("providers", { id })!;
    p.score = scoreOf(p, covered.get(id) ?? 0, now, params).score;
    p.scoreAt = now;
  }
}
