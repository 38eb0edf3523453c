/** Test helper: the indexed state as plain JSON, to compare two indexes of the same chain. */
import type { PrismaClient } from "../../indexer/src/database/createDatabase.ts";

const TABLES: [string, string][] = [
  ["providers", "id"],
  ["sessions", "id"],
  ["claims", "id"],
  ["heartbeats", '"blockNumber", "logIndex"'],
  ["slashes", "id"],
  ["proposals", "id"],
  ["votes", "id"],
  ["parameters", "id"],
  ["provider_hours", "provider, hour"],
  ["region_hours", "region, hour"],
  ["region_totals", "region"],
  ["region_beats", 'region, "lastHeartbeat"'],
];

/**
 * Every derived table, ordered, as JSON text. The stored score and its time are left out: they
 * are refreshed by chain time, so they depend on where block ranges happened to end.
 */
export async function snapshotState(prisma: PrismaClient): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of TABLES) {
    const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT to_jsonb(t) AS j FROM "${table}" t ORDER BY ${order}`,
    );
    out[table] = rows.map((r) => {
      const j = { ...(r.j as Record<string, unknown>) };
      delete j.score;
      delete j.scoreAt;
      return j;
    });
  }
  const cp = await prisma.checkpoint.findUnique({ where: { id: 1 } });
  out.checkpoint = cp ? [{ blockNumber: cp.blockNumber, blockHash: cp.blockHash }] : [];
  return out;
}
