import type { Db } from "../database/createDatabase.ts";
import { writeRows } from "../database/sql.ts";
import type { Row } from "../database/tables.ts";
import type { BatchStore } from "./store.ts";

/**
 * Totals of the providers table that networkStats reads instead of scanning every provider:
 * `region_totals` (provider rows, registered providers, their stake, active sessions, per
 * region) and `region_beats` (providers that can take a session but for heartbeat freshness,
 * per region and last heartbeat second). Written in the range's transaction from the changed
 * provider rows' before and after images; recounted from the providers table when minStake
 * changes (every provider's eligibility may change) and after a rollback.
 */

/** The statements that recount both tables from the providers table (also in migration 0002). */
export const RECOUNT_TOTALS_SQL = [
  `DELETE FROM region_totals`,
  `DELETE FROM region_beats`,
  `INSERT INTO region_totals (region, "rows", providers, stake, "activeSessions")
   SELECT region, COUNT(*)::int4, (COUNT(*) FILTER (WHERE registered))::int4,
     COALESCE(SUM(stake) FILTER (WHERE registered), 0), COALESCE(SUM("activeSessions"), 0)::int4
   FROM providers GROUP BY region`,
  `INSERT INTO region_beats (region, "lastHeartbeat", providers)
   SELECT region, "lastHeartbeat", COUNT(*)::int4 FROM providers
   WHERE registered AND NOT paused AND "hasCapacity"
     AND stake >= COALESCE((SELECT value FROM parameters WHERE id = 'minStake'), 0)
   GROUP BY region, "lastHeartbeat"`,
];

/** Recounts the totals from the providers table (inside the caller's transaction). */
export async function recountTotals(tx: Db): Promise<void> {
  for (const sql of RECOUNT_TOTALS_SQL) await tx.$executeRawUnsafe(sql);
}

/** Whether a provider row counts in `region_beats` with this minStake. */
function eligible(p: Row, minStake: bigint): boolean {
  return p.registered === true && p.paused !== true && p.hasCapacity === true && (p.stake as bigint) >= minStake;
}

/**
 * Writes the totals' changes for the providers changed in `store` (after the events are applied,
 * inside the range's transaction), counting eligibility with `minStake`, the value at the end
 * of the range. A range that changed minStake recounts instead ({@link recountTotals}).
 */
export async function updateTotals(tx: Db, store: BatchStore, minStake: bigint): Promise<void> {
  const totals = new Map<string, { rows: number; providers: number; stake: bigint; activeSessions: number }>();
  const beats = new Map<string, { region: string; lastHeartbeat: number; providers: number }>();
  const apply = (p: Row | null, sign: 1 | -1) => {
    if (!p) return;
    const region = p.region as string;
    let t = totals.get(region);
    if (!t) totals.set(region, (t = { rows: 0, providers: 0, stake: 0n, activeSessions: 0 }));
    t.rows += sign;
    if (p.registered === true) {
      t.providers += sign;
      t.stake += sign === 1 ? (p.stake as bigint) : -(p.stake as bigint);
    }
    t.activeSessions += sign * (p.activeSessions as number);
    if (eligible(p, minStake)) {
      const key = `${region}|${p.lastHeartbeat as number}`;
      let b = beats.get(key);
      if (!b) beats.set(key, (b = { region, lastHeartbeat: p.lastHeartbeat as number, providers: 0 }));
      b.providers += sign;
    }
  };
  for (const { before, after } of store.changes("providers")) {
    apply(before, -1);
    apply(after, 1);
  }
  const totalRows = [...totals.entries()]
    .filter(([, t]) => t.rows !== 0 || t.providers !== 0 || t.stake !== 0n || t.activeSessions !== 0)
    .map(([region, t]) => ({ region, ...t }));
  const beatRows = [...beats.values()].filter((b) => b.providers !== 0);
  await writeRows(tx, "region_totals", totalRows, "add");
  await writeRows(tx, "region_beats", beatRows, "add");
  // Rows that dropped to nothing are removed, so the tables hold what a recount would.
  if (totalRows.length > 0) {
    await tx.$executeRawUnsafe(
      `DELETE FROM region_totals WHERE "rows" = 0 AND region IN (${totalRows.map((_, i) => `$${i + 1}`).join(", ")})`,
      ...totalRows.map((r) => r.region),
    );
  }
  for (let start = 0; start < beatRows.length; start += 400) {
    const chunk = beatRows.slice(start, start + 400);
    await tx.$executeRawUnsafe(
      `DELETE FROM region_beats WHERE providers = 0 AND (region, "lastHeartbeat") IN (${chunk.map((_, i) => `($${2 * i + 1}, $${2 * i + 2}::int4)`).join(", ")})`,
      ...chunk.flatMap((b) => [b.region, b.lastHeartbeat]),
    );
  }
}
