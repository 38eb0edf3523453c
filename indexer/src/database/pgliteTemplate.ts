/**
 * A new PGlite data folder made by copying a template: a data folder initialised and migrated
 * once by the set-up (`scripts/setup.sh`, into indexer/generated/), instead of PGlite's initdb
 * on every new folder (about 2 s of the indexer's start, against ≈ 0.1 s for the copy).
 */
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { listMigrations, migrate, type Migration } from "./migrate.ts";

/** Where the set-up builds the template. */
export const PGLITE_TEMPLATE_DIR = join(import.meta.dirname, "../../generated/pglite-template");
/** The template's record of what made it (not copied into data folders). */
const MARKER = "dvpn-template.json";

/** The installed PGlite's version (its package.json, next to its entry point). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/** What a template must have been made with to stand for initdb plus these migrations. */
function markerOf(migrations: Migration[]): string {
  const id = createHash("sha256")
    .update(migrations.map((m) => `${m.name}:${m.checksum}`).join("\n"))
    .digest("hex");
  return JSON.stringify({ pglite: pgliteVersion(), migrations: id });
}

/** Runs the migrations on a PGlite (one transaction, see {@link migrate}). */
export function migratePGlite(lite: PGlite, migrations = listMigrations()): Promise<string[]> {
  return migrate(
    {
      transaction: (fn) =>
        lite.transaction(async (tx) => {
          await fn(async (sql) => {
            const results = await tx.exec(sql);
            return (results.at(-1)?.rows ?? []) as unknown[];
          });
        }),
    },
    migrations,
  );
}

/**
 * Builds the template at `dir` (replacing one there): a new PGlite data folder with every
 * committed migration applied, and its marker.
 */
export async function buildPGliteTemplate(dir = PGLITE_TEMPLATE_DIR): Promise<void> {
  mkdirSync(dirname(dir), { recursive: true });
  const work = mkdtempSync(`${dir}.tmp-`);
  try {
    const migrations = listMigrations();
    const lite = await PGlite.create(work);
    await migratePGlite(lite, migrations);
    await lite.close();
    rmSync(join(work, "postmaster.pid"), { force: true });
    writeFileSync(join(work, MARKER), markerOf(migrations));
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Fills an empty `dataDir` from the template when one was built by this PGlite with the
 * committed migrations; returns whether it did. Anything else (a folder with files, no template,
 * a template of another version or other migrations) is left to PGlite's own initdb.
 */
export function seedFromTemplate(dataDir: string, template = PGLITE_TEMPLATE_DIR): boolean {
  if (readdirSync(dataDir).length > 0) return false;
  let marker: string;
  try {
    marker = readFileSync(join(template, MARKER), "utf8");
  } catch {
    return false;
  }
  if (marker !== markerOf(listMigrations())) return false;
  // Copied beside it and renamed into place: a copy cut short leaves `dataDir` empty, seeded again
  // at the next start, rather than half a database.
  const copy = mkdtempSync(`${dataDir.replace(/\/+$/, "")}.copy-`);
  try {
    // Everything, then the marker out: a filter would make Node copy file by file in JavaScript
    // (≈ 0.2 s more for the ≈ 1,000 files here).
    cpSync(template, copy, { recursive: true });
    rmSync(join(copy, MARKER), { force: true });
    rmdirSync(dataDir);
    renameSync(copy, dataDir);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  return true;
}
