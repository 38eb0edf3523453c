/**
 * Test helper: a freshly migrated database of either kind with the feed's real reader over it,
 * for tests of the read path that write their own rows (no indexer, no chain).
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { migratePg } from "../database/createDatabase.ts";
import { migratePGlite } from "../database/pgliteTemplate.ts";
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
    await migratePGlite(lite);
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
    await migratePg(client);
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
