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
