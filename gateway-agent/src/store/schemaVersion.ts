/**
 * The store's schema version (SQLite `PRAGMA user_version`), migrated forward at open and
 * refused when newer than this agent knows: an agent rolled back after an upgrade never runs on
 * a store it cannot read correctly. The way back is the copy of the data folder taken before the
 * upgrade (docs/operators.md, "Upgrade and rollback").
 */
import type { DatabaseSync } from "node:sqlite";
import { AgentError } from "../errors.ts";

/** The schema version this agent writes. */
export const STORE_SCHEMA_VERSION = 1;

/**
 * Forward migrations: `MIGRATIONS[n]` takes a store from version n - 1 to n. Version 1 is the
 * base schema (created by `CREATE TABLE IF NOT EXISTS`, also for stores written before versions
 * were recorded), so it has no statement.
 */
const MIGRATIONS: Record<number, string> = {};

/** The store was written by a newer agent. */
export class StoreVersionError extends AgentError {
  override name = "StoreVersionError";
}

/** The refusal for a store of schema version `version` (newer than this agent). */
export function newerStoreError(path: string, version: number): StoreVersionError {
  return new StoreVersionError(
    `the store ${path} has schema version ${version}, written by a newer gateway agent; this agent knows versions ` +
      `up to ${STORE_SCHEMA_VERSION}. Run the newer agent again, or restore the copy of the data folder taken ` +
      `before the upgrade (docs/operators.md, "Upgrade and rollback"). Nothing was changed.`,
  );
}

/**
 * Checks and migrates `db` (after the base schema ran). Throws {@link StoreVersionError} on a
 * store from a newer agent; applies the missing migrations in one transaction otherwise.
 * @returns the version before and after.
 */
export function migrateStore(db: DatabaseSync, path: string): { from: number; to: number } {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  const from = Number(row.user_version);
  if (from > STORE_SCHEMA_VERSION) throw newerStoreError(path, from);
  if (from === STORE_SCHEMA_VERSION) return { from, to: from };
  db.exec("BEGIN IMMEDIATE");
  try {
    for (let v = Math.max(from, 1) + 1; v <= STORE_SCHEMA_VERSION; v++) {
      const sql = MIGRATIONS[v];
      if (sql) db.exec(sql);
    }
    db.exec(`PRAGMA user_version = ${STORE_SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
  return { from, to: STORE_SCHEMA_VERSION };
}
