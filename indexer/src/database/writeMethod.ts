/**
 * How rows are written: "rows" binds every value as its own parameter, 400 rows per INSERT;
 * "bulk" sends up to 10,000 rows per INSERT as one array parameter per column expanded by the
 * database (`unnest`), the closest to COPY that runs inside the range's transaction on both
 * PostgreSQL and PGlite (it parses in about half the time `jsonb_to_recordset` of the same rows
 * took). Both land the same rows (tested); "bulk" is the default.
 */
export type WriteMethod = "rows" | "bulk";

/** The write method an indexer uses unless configured otherwise. */
export const DEFAULT_WRITE_METHOD: WriteMethod = "bulk";
