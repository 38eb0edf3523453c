/**
 * Test helper: a freshly migrated database of either kind with the feed's real reader over it,
 * for tests of the read path that write their own rows (no indexer, no chain).
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { migrate } from "../database/migrate.ts";
import { createPGliteReader, createPgReader, type Reader } from "../database/reader.ts";
import { createTestDatabase } from "../../../test/kit/postgres.ts";
import type { DatabaseTarget } from "./bothDatabases.ts";

/** What {@link openReaderBackend} opened. */
export interface ReaderBackend {
  /** The reader the feed would use on this database. */
  read: Reader;
  /** Runs SQL on the database (outside the reader). */
  exec(sql: string): Promise<void>;
  /** Closes the reader and the database (a PostgreSQL one is dropped). */
  close(): Promise<void>;
}

/**
 * Opens an in-memory PGlite or a new PostgreSQL database, migrated. `listen: false` makes the
 * PostgreSQL reader one that never LISTENs (as on a streaming replica).
 */
export async function openReaderBackend(
  kind: DatabaseTarget,
  options: { listen?: boolean } = {},
): Promise<ReaderBackend> {
  if (kind === "PGlite") {
    const lite = await PGlite.create();
    await migrate({
      transaction: (fn) =>
        lite.transaction(async (tx) => fn(async (sql) => ((await tx.exec(sql)).at(-1)?.rows ?? []) as unknown[])),
    });
    const read = createPGliteReader(lite);
    return {
      read,
      exec: async (sql) => void (await lite.exec(sql)),
      close: async () => {
        await read.close();
        await lite.close();
      },
    };
  }
  const db = await createTestDatabase();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await migrate({
      async transaction(fn) {
        await client.query("BEGIN");
        await fn(async (sql) => (await client.query(sql)).rows as unknown[]);
        await client.query("COMMIT");
      },
    });
  } catch (error) {
    await client.end();
    await db.drop();
    throw error;
  }
  const read = createPgReader(db.url, 2, options);
  return {
    read,
    exec: async (sql) => void (await client.query(sql)),
    close: async () => {
      await read.close();
      await client.end();
      await db.drop();
    },
  };
}
