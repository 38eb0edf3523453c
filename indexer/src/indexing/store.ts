import type { Db } from "../database/createDatabase.ts";
import { isUniqueViolation, readRows, rowKey, toJson, writeRows } from "../database/sql.ts";
import { DEFAULT_WRITE_METHOD, type WriteMethod } from "../database/writeMethod.ts";
import {
  APPEND_TABLES,
  MUTABLE_TABLES,
  TABLES,
  type KeyOf,
  type Row,
  type RowOf,
  type TableName,
  type TableSpec,
} from "../database/tables.ts";

type Mutable = (typeof MUTABLE_TABLES)[number];
type Append = (typeof APPEND_TABLES)[number];
export type Entity = Exclude<Mutable, "provider_hours" | "region_hours">;
export type Bucket = "provider_hours" | "region_hours";
/** Amounts added to the non-key columns of an hourly bucket. */
export type BucketDeltas<T extends Bucket> = Partial<Omit<RowOf<T>, keyof KeyOf<T>>>;

/**
 * What the event handlers need of the range's state: read and replace entity rows (loaded
 * beforehand), add to hourly buckets, append event rows.
 */
export interface EventStore {
  get<T extends Entity>(table: T, key: KeyOf<T>): RowOf<T> | undefined;
  put<T extends Entity>(table: T, row: RowOf<T>): void;
  /** Adds numeric deltas to an hourly bucket. */
  add<T extends Bucket>(table: T, key: KeyOf<T>, deltas: BucketDeltas<T>): void;
  append<T extends Append>(table: T, row: RowOf<T>): void;
}

/** The rows this store holds are rows of their table (read by readRows or put through its typed methods). */
const asRow = <T extends TableName>(row: Row): RowOf<T> => row as RowOf<T>;
/** The key columns of such a row. */
const asKey = <T extends TableName>(key: Row): KeyOf<T> => key as KeyOf<T>;

/**
 * The state of one indexed block range, in memory: rows are loaded once, changed by the
 * handlers, and written back in bulk by {@link BatchStore.flush} inside the range's transaction.
 * With `journalBlock` set (an unfinalized block), the previous image of every changed row is
 * written to the journal so a reorg can restore it. `method` picks how rows are written
 * ({@link WriteMethod}).
 */
export interface BatchStore extends EventStore {
  load<T extends Entity>(table: T, keys: KeyOf<T>[]): Promise<void>;
  dirtyKeys<T extends Entity>(table: T): KeyOf<T>[];
  /** The rows changed so far with their images as loaded (null: created in this range). */
  changes<T extends Entity>(table: T): { before: RowOf<T> | null; after: RowOf<T> }[];
  /** The bucket deltas not yet flushed. */
  pending<T extends Bucket>(table: T): RowOf<T>[];
  flush(db: Db, journalBlock: number | undefined): Promise<void>;
  /** Number of rows written by the last flush (for logs). */
  readonly eventRows: number;
}

export function createBatchStore(db: Db, method: WriteMethod = DEFAULT_WRITE_METHOD): BatchStore {
  const rows = new Map<Entity, Map<string, Row>>();
  const originals = new Map<Entity, Map<string, Row | null>>();
  const dirty = new Map<Entity, Set<string>>();
  const buckets = new Map<Bucket, Map<string, Row>>();
  const appended = new Map<Append, Row[]>();
  let eventRows = 0;

  const mapOf = <K, V>(m: Map<K, V>, k: K, make: () => V): V => {
    let v = m.get(k);
    if (!v) m.set(k, (v = make()));
    return v;
  };

  return {
    get eventRows() {
      return eventRows;
    },
    async load(table, keys) {
      const spec = TABLES[table];
      const have = mapOf(rows, table, () => new Map());
      const orig = mapOf(originals, table, () => new Map());
      const seen = new Set<string>();
      const missing = keys.filter((k) => {
        const id = rowKey(spec, k);
        if (have.has(id) || orig.has(id) || seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      if (missing.length === 0) return;
      for (const row of await readRows(db, table, missing)) {
        const id = rowKey(spec, row);
        have.set(id, row);
        orig.set(id, structuredClone(row));
      }
      for (const k of missing) {
        const id = rowKey(spec, k);
        if (!orig.has(id)) orig.set(id, null);
      }
    },
    get(table, key) {
      const row = rows.get(table)?.get(rowKey(TABLES[table], key));
      return row && asRow(row);
    },
    put(table, row) {
      const id = rowKey(TABLES[table], row);
      const orig = mapOf(originals, table, () => new Map());
      if (!orig.has(id)) throw new Error(`${table} ${id} written without being loaded first`);
      mapOf(rows, table, () => new Map()).set(id, row);
      mapOf(dirty, table, () => new Set()).add(id);
    },
    add(table, key, deltas) {
      const spec: TableSpec = TABLES[table];
      const id = rowKey(spec, key);
      const m = mapOf(buckets, table, () => new Map());
      let row = m.get(id);
      if (!row) {
        row = { ...key };
        for (const [c, type] of Object.entries(spec.columns)) {
          if (!spec.key.includes(c)) row[c] = type === "numeric" ? 0n : 0;
        }
        m.set(id, row);
      }
      for (const [c, d] of Object.entries<unknown>(deltas)) {
        if (typeof d === "bigint") row[c] = (row[c] as bigint) + d;
        else if (typeof d === "number") row[c] = (row[c] as number) + d;
      }
    },
    append(table, row) {
      mapOf(appended, table, () => []).push(row);
    },
    pending<T extends Bucket>(table: T) {
      return [...(buckets.get(table)?.values() ?? [])].map((r) => asRow<T>(r));
    },
    dirtyKeys<T extends Entity>(table: T) {
      const spec: TableSpec = TABLES[table];
      return [...(dirty.get(table) ?? [])].map((id) => {
        const row = rows.get(table)!.get(id)!;
        return asKey<T>(Object.fromEntries(spec.key.map((k) => [k, row[k]])));
      });
    },
    changes<T extends Entity>(table: T) {
      return [...(dirty.get(table) ?? [])].map((id) => {
        const before = originals.get(table)!.get(id);
        return { before: before ? asRow<T>(before) : null, after: asRow<T>(rows.get(table)!.get(id)!) };
      });
    },
    async flush(tx, journalBlock) {
      eventRows = 0;
      const journal: { table: string; key: string; before: Row | null }[] = [];
      for (const [table, m] of buckets) {
        const list = [...m.values()];
        if (journalBlock !== undefined && list.length) {
          const spec = TABLES[table];
          const existing = new Map((await readRows(tx, table, list)).map((r) => [rowKey(spec, r), r]));
          for (const r of list) {
            const before = existing.get(rowKey(spec, r));
            journal.push({
              table,
              key: JSON.stringify(toJson(Object.fromEntries(spec.key.map((k) => [k, r[k]])))),
              before: before ? toJson(before) : null,
            });
          }
        }
        await writeRows(tx, table, list, "add", method);
      }
      for (const [table, ids] of dirty) {
        const spec = TABLES[table];
        const list = [...ids].map((id) => rows.get(table)!.get(id)!);
        if (journalBlock !== undefined) {
          for (const id of ids) {
            const row = rows.get(table)!.get(id)!;
            const before = originals.get(table)!.get(id) ?? null;
            journal.push({
              table,
              key: JSON.stringify(toJson(Object.fromEntries(spec.key.map((k) => [k, row[k]])))),
              before: before ? toJson(before) : null,
            });
          }
        }
        await writeRows(tx, table, list, "replace", method);
      }
      // Event rows are new but for a range indexed again over rows still there: plain inserts
      // (a unique index check per row, not ON CONFLICT's speculative insertion, which took about
      // twice as long), and on a unique violation the same rows again with "ignore", after the
      // savepoint undid the failed statement.
      if (appended.size > 0) {
        await tx.$executeRawUnsafe("SAVEPOINT event_rows");
        try {
          for (const [table, list] of appended) await writeRows(tx, table, list, "insert", method);
          await tx.$executeRawUnsafe("RELEASE SAVEPOINT event_rows");
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          await tx.$executeRawUnsafe("ROLLBACK TO SAVEPOINT event_rows");
          for (const [table, list] of appended) await writeRows(tx, table, list, "ignore", method);
        }
        for (const list of appended.values()) eventRows += list.length;
      }
      if (journal.length) {
        for (let start = 0; start < journal.length; start += 500) {
          const chunk = journal.slice(start, start + 500);
          const params: unknown[] = [];
          const values = chunk.map((j) => {
            params.push(journalBlock, j.table, j.key, j.before === null ? null : JSON.stringify(j.before));
            const p = params.length;
            return `($${p - 3}::int4, $${p - 2}, $${p - 1}, $${p}::jsonb)`;
          });
          await tx.$executeRawUnsafe(
            `INSERT INTO "journal" ("blockNumber", "table", "key", "before") VALUES ${values.join(", ")}`,
            ...params,
          );
        }
      }
    },
  };
}

export type { TableName };
