import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { PGlite } from "@electric-sql/pglite";
import { listMigrations } from "./migrate.ts";
import { buildPGliteTemplate, migratePGlite, seedFromTemplate } from "./pgliteTemplate.ts";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "dvpn-template-"));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The public schema: every column, index and constraint, and the migrations recorded. */
async function schemaOf(db: PGlite): Promise<unknown> {
  const columns = await db.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = 'public' ORDER BY table_name, column_name`,
  );
  const indexes = await db.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`);
  const constraints = await db.query(
    `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace ORDER BY 1`,
  );
  const migrations = await db.query(`SELECT name, checksum FROM "_dvpn_migrations" ORDER BY name`);
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows, migrations: migrations.rows };
}

test("a data folder copied from the template is the one initdb and the migrations make", async () => {
  const template = join(tmp(), "template");
  await buildPGliteTemplate(template);

  const seeded = tmp();
  assert.equal(seedFromTemplate(seeded, template), true);
  const copy = await PGlite.create(seeded);
  const fresh = await PGlite.create(tmp());
  try {
    assert.deepEqual(await migratePGlite(copy), [], "every migration is already there");
    assert.deepEqual(
      await migratePGlite(fresh),
      listMigrations().map((m) => m.name),
    );
    assert.deepEqual(await schemaOf(copy), await schemaOf(fresh));
    // The copy is a working database of its own.
    await copy.query(`INSERT INTO blocks VALUES (1, 'h', 'p', 2)`);
    assert.deepEqual((await copy.query(`SELECT number FROM blocks`)).rows, [{ number: 1 }]);
  } finally {
    await copy.close();
    await fresh.close();
  }

  // A folder that holds anything is left alone; so is a template made with other migrations.
  const used = tmp();
  writeFileSync(join(used, "file"), "");
  assert.equal(seedFromTemplate(used, template), false);
  writeFileSync(join(template, "dvpn-template.json"), JSON.stringify({ pglite: "0", migrations: "" }));
  assert.equal(seedFromTemplate(tmp(), template), false);
  assert.equal(seedFromTemplate(tmp(), join(tmp(), "none")), false);
});
