import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const MIGRATIONS_DIR = join(import.meta.dirname, "../../prisma/migrations");

/** The few raw operations the migration runner needs, on PostgreSQL or PGlite. */
export interface MigrationTarget {
  /** Runs `fn` in one transaction; `exec` takes SQL with several statements and no parameters. */
  transaction(fn: (exec: (sql: string) => Promise<unknown[]>) => Promise<void>): Promise<void>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The committed migrations (prisma migrate diff output), in order. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Applies every migration not yet applied, in order, inside one transaction that first takes a
 * transaction-scoped advisory lock (so instances starting together apply them once). Records
 * them in `_dvpn_migrations`. Returns the names applied now.
 */
export async function migrate(target: MigrationTarget, migrations = listMigrations()): Promise<string[]> {
  const applied: string[] = [];
  await target.transaction(async (exec) => {
    await exec("SELECT pg_advisory_xact_lock(7361829304)");
    await exec(
      `CREATE TABLE IF NOT EXISTS "_dvpn_migrations" (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const rows = (await exec(`SELECT name, checksum FROM "_dvpn_migrations"`)) as { name: string; checksum: string }[];
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    for (const m of migrations) {
      const previous = done.get(m.name);
      if (previous !== undefined) {
        if (previous !== m.checksum)
          throw new Error(`migration ${m.name} changed after it was applied; add a new migration instead`);
        continue;
      }
      await exec(m.sql);
      await exec(
        `INSERT INTO "_dvpn_migrations" (name, checksum) VALUES ('${m.name.replace(/'/g, "''")}', '${m.checksum}')`,
      );
      applied.push(m.name);
    }
  });
  return applied;
}
