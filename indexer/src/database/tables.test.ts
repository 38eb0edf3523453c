import assert from "node:assert/strict";
import { test } from "node:test";
import { PGlite } from "@electric-sql/pglite";
import { migrate } from "./migrate.ts";
import { TABLES } from "./tables.ts";

const PG_TYPES: Record<string, string> = {
  text: "text",
  int: "integer",
  bool: "boolean",
  numeric: "numeric",
  float: "double precision",
  json: "jsonb",
};

test("the raw-SQL column map matches the migrated database (the Prisma schema)", async () => {
  const db = await PGlite.create();
  try {
    const target = {
      transaction: (fn: (exec: (sql: string) => Promise<unknown[]>) => Promise<void>) =>
        db.transaction(async (tx) => fn(async (sql) => ((await tx.exec(sql)).at(-1)?.rows ?? []) as unknown[])),
    };
    assert.deepEqual(await migrate(target), [
      "0001_init",
      "0002_region_totals",
      "0003_exit_policy",
      "0004_transports",
      "0005_read_indexes",
      "0006_heartbeats_indexes",
      "0009_checkpoint_notify",
      "0010_heartbeats_key",
    ]);
    assert.deepEqual(await migrate(target), [], "applied once");
    for (const spec of Object.values(TABLES)) {
      const { rows } = await db.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [spec.name],
      );
      const actual = Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
      const expected = Object.fromEntries(Object.entries(spec.columns).map(([c, t]) => [c, PG_TYPES[t]]));
      assert.deepEqual(actual, expected, spec.name);
    }
  } finally {
    await db.close();
  }
});
