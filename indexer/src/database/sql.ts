import type { Db } from "./createDatabase.ts";
import { DEFAULT_WRITE_METHOD, type WriteMethod } from "./writeMethod.ts";
import { TABLES, type ColumnType, type Row, type TableName, type TableSpec } from "./tables.ts";

const CAST: Record<ColumnType, string> = {
  text: "text",
  int: "int4",
  bool: "bool",
  numeric: "numeric",
  float: "float8",
  json: "jsonb",
};

const q = (id: string) => `"${id}"`;

/** Converts an in-memory value to a query parameter for a column of `type`. */
function toParam(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === "numeric") return String(value);
  if (type === "json") return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  return value;
}

/** Select list that returns numeric columns as text (converted back to bigint by {@link fromDb}). */
export function selectList(spec: TableSpec): string {
  return Object.entries(spec.columns)
    .map(([c, type]) => (type === "numeric" ? `${q(c)}::text AS ${q(c)}` : q(c)))
    .join(", ");
}

/** Converts a row read with {@link selectList} to its in-memory form. */
export function fromDb(spec: TableSpec, raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [c, type] of Object.entries(spec.columns)) {
    const v = raw[c];
    row[c] = v === null || v === undefined ? null : type === "numeric" ? BigInt(String(v)) : v;
  }
  return row;
}

/** A JSON-safe copy of a row (bigint as decimal strings), for the journal. */
export function toJson(row: Row): Row {
  return JSON.parse(JSON.stringify(row, (_, v) => (typeof v === "bigint" ? v.toString() : v))) as Row;
}

/** The in-memory form of a row stored with {@link toJson}. */
export function fromJson(spec: TableSpec, json: Row): Row {
  const row: Row = {};
  for (const [c, type] of Object.entries(spec.columns)) {
    const v = json[c];
    row[c] = v === null || v === undefined ? null : type === "numeric" ? BigInt(String(v)) : v;
  }
  return row;
}

/** Stable string key of a row in its table. */
export function rowKey(spec: TableSpec, row: Row): string {
  return spec.key.map((k) => String(row[k])).join("|");
}

const CHUNK = 400;
/** Rows per statement of the bulk method (one array parameter per column, a few MB at most). */
const BULK_CHUNK = 10_000;

const NEEDS_ESCAPE = /["\\]/;

/**
 * A value as an element of a PostgreSQL array literal: NULL; numbers and booleans as they print
 * (digits, sign, point, exponent, Infinity/NaN, true/false: nothing the literal's syntax reads
 * otherwise); text and JSON quoted, with quotes and backslashes escaped.
 */
function arrayElement(type: ColumnType, value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (type === "int" || type === "float" || type === "numeric" || type === "bool") return String(value);
  const text =
    type === "json"
      ? JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))
      : String(value);
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(/["\\]/g, "\\$&")}"` : `"${text}"`;
}

/** One array literal per column of a chunk of rows (the parameters of the bulk method's unnest). */
function columnArrays(spec: TableSpec, cols: string[], rows: Row[]): string[] {
  return cols.map((c) => {
    const type = spec.columns[c]!;
    const parts = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) parts[i] = arrayElement(type, rows[i]![c]);
    return `{${parts.join(",")}}`;
  });
}

/**
 * Writes rows with one multi-row INSERT per chunk. `mode`: "replace" upserts every column,
 * "add" sums the non-key columns into existing rows (hourly buckets), "ignore" skips rows that
 * exist (idempotent event inserts), "insert" adds rows that must be new (a key already there,
 * or twice in `rows`, fails the statement with a unique violation, see {@link isUniqueViolation}).
 * `method`: see {@link WriteMethod}.
 */
export async function writeRows(
  db: Db,
  table: TableName,
  rows: Row[],
  mode: "replace" | "add" | "ignore" | "insert",
  method: WriteMethod = DEFAULT_WRITE_METHOD,
): Promise<void> {
  const spec: TableSpec = TABLES[table];
  const cols = Object.keys(spec.columns);
  const nonKey = cols.filter((c) => !spec.key.includes(c));
  let conflict: string;
  if (mode === "ignore") conflict = "DO NOTHING";
  else if (mode === "add") {
    conflict = `DO UPDATE SET ${nonKey.map((c) => `${q(c)} = ${q(spec.name)}.${q(c)} + EXCLUDED.${q(c)}`).join(", ")}`;
  } else conflict = `DO UPDATE SET ${nonKey.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(", ")}`;
  const onConflict = mode === "insert" ? "" : `ON CONFLICT (${spec.key.map(q).join(", ")}) ${conflict}`;
  if (method === "bulk") {
    const arrays = cols.map((c, i) => `$${i + 1}::${CAST[spec.columns[c]!]}[]`).join(", ");
    const sql =
      `INSERT INTO ${q(spec.name)} (${cols.map(q).join(", ")}) SELECT * ` +
      `FROM unnest(${arrays}) AS x(${cols.map(q).join(", ")}) ${onConflict}`;
    for (let start = 0; start < rows.length; start += BULK_CHUNK) {
      await db.$executeRawUnsafe(sql, ...columnArrays(spec, cols, rows.slice(start, start + BULK_CHUNK)));
    }
    return;
  }
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const params: unknown[] = [];
    const values = chunk.map((row) => {
      const parts = cols.map((c) => {
        const type = spec.columns[c]!;
        params.push(toParam(type, row[c]));
        return `$${params.length}::${CAST[type]}`;
      });
      return `(${parts.join(", ")})`;
    });
    const sql = `INSERT INTO ${q(spec.name)} (${cols.map(q).join(", ")}) VALUES ${values.join(", ")} ${onConflict}`;
    await db.$executeRawUnsafe(sql, ...params);
  }
}

/**
 * Whether `error` is a statement's unique violation (SQLSTATE 23505) as Prisma reports it from
 * PostgreSQL or PGlite.
 */
export function isUniqueViolation(error: unknown): boolean {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } } | null)?.meta;
  const cause = meta?.driverAdapterError?.cause;
  return cause?.code === "23505" || cause?.originalCode === "23505" || cause?.kind === "UniqueConstraintViolation";
}

/** Reads the rows of `table` whose keys are in `keys` (each key a row with the key columns). */
export async function readRows(db: Db, table: TableName, keys: Row[]): Promise<Row[]> {
  const spec: TableSpec = TABLES[table];
  const out: Row[] = [];
  for (let start = 0; start < keys.length; start += CHUNK) {
    const chunk = keys.slice(start, start + CHUNK);
    const params: unknown[] = [];
    const conds = chunk.map((key) => {
      const parts = spec.key.map((k) => {
        params.push(toParam(spec.columns[k]!, key[k]));
        return `${q(k)} = $${params.length}::${CAST[spec.columns[k]!]}`;
      });
      return `(${parts.join(" AND ")})`;
    });
    const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT ${selectList(spec)} FROM ${q(spec.name)} WHERE ${conds.join(" OR ")}`,
      ...params,
    );
    for (const r of rows) out.push(fromDb(spec, r));
  }
  return out;
}

/** Deletes the rows of `table` with the given keys. */
export async function deleteRows(db: Db, table: TableName, keys: Row[]): Promise<void> {
  const spec: TableSpec = TABLES[table];
  for (let start = 0; start < keys.length; start += CHUNK) {
    const chunk = keys.slice(start, start + CHUNK);
    const params: unknown[] = [];
    const conds = chunk.map((key) => {
      const parts = spec.key.map((k) => {
        params.push(toParam(spec.columns[k]!, key[k]));
        return `${q(k)} = $${params.length}::${CAST[spec.columns[k]!]}`;
      });
      return `(${parts.join(" AND ")})`;
    });
    await db.$executeRawUnsafe(`DELETE FROM ${q(spec.name)} WHERE ${conds.join(" OR ")}`, ...params);
  }
}
