import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STORE_SCHEMA_VERSION, StoreVersionError } from "./schemaVersion.ts";
import { openStore } from "./store.ts";

test("a new store records the schema version; a store from a newer agent is refused untouched", () => {
  const dir = mkdtempSync(join(tmpdir(), "store-version-"));
  try {
    const path = join(dir, "agent.sqlite");
    const store = openStore(path);
    store.setMeta("checkpoint", "42");
    store.close();
    const db = new DatabaseSync(path);
    assert.equal(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      STORE_SCHEMA_VERSION,
    );
    // An older store without a recorded version (written before versions existed) is adopted.
    db.exec("PRAGMA user_version = 0");
    db.close();
    const again = openStore(path);
    assert.equal(again.getMeta("checkpoint"), "42");
    again.close();
    // A newer agent's store.
    const newer = new DatabaseSync(path);
    newer.exec(`PRAGMA user_version = ${STORE_SCHEMA_VERSION + 1}`);
    newer.close();
    const bytes = readFileSync(path);
    assert.throws(
      () => openStore(path),
      (err: Error) =>
        err instanceof StoreVersionError &&
        err.message.includes(`schema version ${STORE_SCHEMA_VERSION + 1}, written by a newer gateway agent`) &&
        err.message.includes("Upgrade and rollback"),
    );
    assert.deepEqual(readFileSync(path), bytes, "the refused store is not written");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
