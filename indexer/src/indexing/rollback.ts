import type { Db } from "../database/createDatabase.ts";
import { deleteRows, fromJson, writeRows } from "../database/sql.ts";
import { APPEND_TABLES, MUTABLE_TABLES, TABLES, TOTAL_TABLES, type Row, type TableName } from "../database/tables.ts";
import { recountTotals } from "./totals.ts";

/**
 * Rolls derived state back to the end of block `ancestor` inside the caller's transaction:
 * restores the oldest journaled image of every row changed after it (or deletes rows created
 * after it), truncates event tables and block hashes above it. The checkpoint is set by the
 * caller.
 */
export async function rollbackTo(tx: Db, ancestor: number): Promise<{ restored: number; deleted: number }> {
  const entries = await tx.$queryRawUnsafe<{ table: string; key: string; before: Row | null }[]>(
    `SELECT DISTINCT ON ("table", "key") "table", "key", "before" FROM journal WHERE "blockNumber" > $1::int4 ORDER BY "table", "key", id ASC`,
    ancestor,
  );
  let restored = 0;
  let deleted = 0;
  for (const table of MUTABLE_TABLES) {
    const spec = TABLES[table];
    const mine = entries.filter((e) => e.table === table);
    const toRestore = mine.filter((e) => e.before !== null).map((e) => fromJson(spec, e.before!));
    const toDelete = mine.filter((e) => e.before === null).map((e) => fromJson(spec, JSON.parse(e.key) as Row));
    await deleteRows(tx, table as TableName, toDelete);
    await writeRows(tx, table as TableName, toRestore, "replace");
    restored += toRestore.length;
    deleted += toDelete.length;
  }
  await tx.$executeRawUnsafe(`DELETE FROM journal WHERE "blockNumber" > $1::int4`, ancestor);
  for (const table of APPEND_TABLES) {
    await tx.$executeRawUnsafe(`DELETE FROM "${TABLES[table].name}" WHERE "blockNumber" > $1::int4`, ancestor);
  }
  await tx.$executeRawUnsafe(`DELETE FROM blocks WHERE number > $1::int4`, ancestor);
  // The totals are not journaled: recounted from the restored providers (reorgs are rare).
  await recountTotals(tx);
  return { restored, deleted };
}

/** Empties every indexed table (a reorg deeper than the kept blocks: reindex from scratch). */
export async function resetAll(tx: Db): Promise<void> {
  const names = [...MUTABLE_TABLES, ...TOTAL_TABLES, ...APPEND_TABLES, "blocks"].map(
    (t) => `"${TABLES[t as TableName].name}"`,
  );
  await tx.$executeRawUnsafe(`TRUNCATE ${names.join(", ")}, journal, checkpoint`);
}
