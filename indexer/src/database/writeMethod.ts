/**
 * How rows are written: "rows" binds every value as its own parameter, 400 rows per INSERT;
 * "bulk" sends up to 10,000 rows per INSERT as one JSON parameter expanded by the database
 * (`jsonb_to_recordset`), the closest to COPY that runs inside the range's transaction on both
 * PostgreSQL and PGlite. Both land the same rows (tested); "bulk" is the default.
 */
export type WriteMethod = "rows" | "bulk";

/** The write method an indexer uses unless configured otherwise. */
export const DEFAULT_WRITE_METHOD: WriteMethod = "bulk";
