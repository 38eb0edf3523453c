/**
 * Prepared statements stay bounded: past the cap of distinct statement names, new statement
 * shapes run unnamed, still answer, and prepare nothing more on PostgreSQL.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createTestDatabase } from "../../../test/kit/postgres.ts";
import { createPgReader, createStatementNames, MAX_STATEMENT_NAMES, statementName } from "./reader.ts";

test("statement names are admitted up to the cap, then shapes run unnamed", () => {
  const names = createStatementNames(3);
  const shapes = Array.from({ length: 6 }, (_, i) => `SELECT ${i} AS n WHERE $1::int > 0`);
  const first = shapes.map((text) => names(text, [1]));
  assert.equal(new Set(first.filter(Boolean)).size, 3, "three names admitted");
  assert.deepEqual(first.slice(3), [undefined, undefined, undefined], "later shapes unnamed");
  assert.deepEqual(
    shapes.map((text) => names(text, [1])),
    first,
    "an admitted shape keeps its name, a refused one stays unnamed",
  );
  assert.equal(
    names(
      shapes[0]!,
      Array.from({ length: 33 }, () => 1),
    ),
    undefined,
    "many values: unnamed",
  );
  // The process-wide one: as many names as the cap, none past it.
  const used = new Set<string>();
  for (let i = 0; i < MAX_STATEMENT_NAMES + 50; i++) {
    const name = statementName(`SELECT ${i} AS cap_probe`, []);
    if (name) used.add(name);
  }
  assert.ok(used.size <= MAX_STATEMENT_NAMES, `${used.size} names for ${MAX_STATEMENT_NAMES + 50} shapes`);
  assert.equal(statementName(`SELECT ${MAX_STATEMENT_NAMES + 49} AS cap_probe`, []), undefined);
});

test("PostgreSQL: past the cap, queries still answer and prepare nothing more", async () => {
  const db = await createTestDatabase();
  const read = createPgReader(db.url, 1); // one connection: its prepared statements are all there are
  try {
    const names = createStatementNames(4);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 10; i++) {
        const text = `SELECT $1::int + ${i} AS n`;
        const rows = await read.query<{ n: number }>(text, [round], names(text, [round]));
        assert.deepEqual(rows, [{ n: round + i }], `shape ${i}, round ${round}`);
      }
    }
    const [prepared] = await read.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'dvpn_%'`,
    );
    assert.equal(prepared?.n, 4, "only the admitted shapes are prepared on the connection");
  } finally {
    await read.close();
    await db.drop();
  }
});

test("PostgreSQL: a generic read plans its prepared statement once, for any values", async () => {
  const db = await createTestDatabase();
  const read = createPgReader(db.url, 1);
  try {
    const text = `SELECT current_setting('plan_cache_mode') AS mode, $1::int AS n`;
    assert.deepEqual(await read.query(text, [1], "dvpn_mode_probe"), [{ mode: "auto", n: 1 }], "plain read");
    assert.deepEqual(
      await read.query(text, [2], "dvpn_mode_probe", { generic: true }),
      [{ mode: "force_generic_plan", n: 2 }],
      "generic read: its own connections, same answer",
    );
    const page = `SELECT id FROM generate_series(1, 100) AS id WHERE id >= $1::int ORDER BY id LIMIT $2::int`;
    for (let i = 0; i < 8; i++) {
      const rows = await read.query<{ id: number }>(page, [10 + i, 3], "dvpn_page_probe", { generic: true });
      assert.deepEqual(
        rows.map((r) => r.id),
        [10 + i, 11 + i, 12 + i],
        `run ${i}`,
      );
    }
    const [plans] = await read.query<{ generic: number; custom: number }>(
      `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = $1`,
      ["dvpn_page_probe"],
      "dvpn_plans_probe",
      { generic: true },
    );
    assert.deepEqual(plans, { generic: 8, custom: 0 }, "every run on the generic plan");
    assert.deepEqual(
      await read.query(text, [4], undefined, { generic: true }),
      [{ mode: "auto", n: 4 }],
      "an unnamed statement (planned for its values on every run anyway) stays on the plain pool",
    );
  } finally {
    await read.close();
    await db.drop();
  }
});
