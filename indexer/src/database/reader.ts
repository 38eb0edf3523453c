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
 * Distinct prepared-statement names {@link statementName} hands out per process: the first 256
 * statement shapes (filters, order, direction, cursor, `id_in` length) are prepared; any further
 * shape runs unnamed (parsed and planned each time, same answer), so neither node-pg's
 * per-connection cache nor each PostgreSQL backend's prepared statements grow without bound
 * whatever shapes clients send. An admission cap rather than an LRU: a named statement cannot be
 * deallocated cheaply on every pooled connection.
 */
export const MAX_STATEMENT_NAMES = 256;

/**
 * A `statementName` admitting at most `max` distinct names: a shape admitted keeps its name,
 * a new shape past the cap gets none.
 */
export function createStatementNames(max: number): (text: string, values: readonly unknown[]) => string | undefined {
  const admitted = new Set<string>();
  return (text, values) => {
    if (values.length > 32) return undefined;
    const name = `dvpn_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
    if (admitted.has(name)) return name;
    if (admitted.size >= max) return undefined;
    admitted.add(name);
    return name;
  };
}

/**
 * A prepared statement's name for a statement built at run time (a filter shape), from its text;
 * undefined (unprepared) for statements with many values (`id_in` lists) and for shapes beyond
 * the first {@link MAX_STATEMENT_NAMES}, so the number of statements a connection prepares
 * stays bounded.
 */
export const statementName = createStatementNames(MAX_STATEMENT_NAMES);
