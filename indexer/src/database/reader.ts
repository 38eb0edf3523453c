import { createHash } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/**
 * Plain SQL reads for the feed's hot paths, below Prisma's query layer: the statement goes to
 * the driver as it is (a named, prepared statement on PostgreSQL), rows come back as the driver
 * parses them. Cast numeric columns to text and 64-bit integers to int4 or text in the
 * statement: the two drivers parse them differently.
 */
export interface Reader {
  /**
   * Runs one statement. `name` (unique per statement text) makes it a prepared statement on
   * PostgreSQL, parsed and planned once per connection.
   */
  query<T = Record<string, unknown>>(text: string, values?: unknown[], name?: string): Promise<T[]>;
  close(): Promise<void>;
}

/** A reader over a pool of PostgreSQL connections (its own, beside Prisma's). */
export function createPgReader(connectionString: string, max = 10): Reader {
  const pool = new pg.Pool({ connectionString, max });
  pool.on("error", () => {}); // an idle connection that died: the pool replaces it
  return {
    async query<T>(text: string, values: unknown[] = [], name?: string) {
      const r = await pool.query(name ? { name, text, values } : { text, values });
      return r.rows as T[];
    },
    close: () => pool.end(),
  };
}

/** A reader over an embedded PGlite database. */
export function createPGliteReader(lite: PGlite): Reader {
  return {
    async query<T>(text: string, values: unknown[] = []) {
      return (await lite.query<T>(text, values)).rows;
    },
    close: async () => {},
  };
}

/**
 * A prepared statement's name for a statement built at run time (a filter shape), from its text;
 * undefined (unprepared) for statements with many values (`id_in` lists), so the number of
 * statements a connection prepares stays bounded.
 */
export function statementName(text: string, values: readonly unknown[]): string | undefined {
  return values.length <= 32 ? `dvpn_${createHash("sha1").update(text).digest("hex").slice(0, 24)}` : undefined;
}
