import type { Db } from "../database/createDatabase.ts";
import { readRows, rowKey, toJson, writeRows } from "../database/sql.ts";
import { DEFAULT_WRITE_METHOD, type WriteMethod } from "../database/writeMethod.ts";
import { APPEND_TABLES, MUTABLE_TABLES, TABLES, type Row, type TableName } from "../database/tables.ts";

type Mutable = (typeof MUTABLE_TABLES)[number];
type Append = (typeof APPEND_TABLES)[number];
type Entity = Exclude<Mutable, "provider_hours" | "region_hours">;
type Bucket = "provider_hours" | "region_hours";

/**
 * The state of one indexed block range, in memory: rows are loaded once, changed by the
 * handlers, and written back in bulk by {@link BatchStore.flush} inside the range's transaction.
 * With `journalBlock` set (an unfinalized block), the previous image of every changed row is
 * written to the journal so a reorg can restore it. `method` picks how rows are written
 * ({@link WriteMethod}).
 */
export interface BatchStore {
  load(table: Entity, keys: Row[]): Promise<void>;
  get(table: Entity, key: Row): Row | undefined;
  put(table: Entity, row: Row): void;
  /** Adds numeric deltas to an hourly bucket. */
  add(table: Bucket, key: Row, deltas: Record<string, number | bigint>): void;
  append(table: Append, row: Row): void;
  dirtyKeys(table: Entity): Row[];
  /** The rows changed so far with their images as loaded (null: created in this range). */
  changes(table: Entity): { before: Row | null; after: Row }[];
  /** The bucket deltas not yet flushed. */
  pending(table: Bucket): Row[];
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
      return rows.get(table)?.get(rowKey(TABLES[table], key));
    },
    put(table, row) {
      const id = rowKey(TABLES[table], row);
      const orig = mapOf(originals, table, () => new Map());
      if (!orig.has(id)) throw new Error(`${table} ${id} written without being loaded first`);
      mapOf(rows, table, () => new Map()).set(id, row);
      mapOf(dirty, table, () => new Set()).add(id);
    },
    add(table, key, deltas) {
      const spec = TABLES[table];
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
      for (const [c, d] of Object.entries(deltas)) {
        row[c] = typeof d === "bigint" ? (row[c] as bigint) + d : (row[c] as number) + d;
      }
    },
    append(table, row) {
      mapOf(appended, table, () => []).push(row);
    },
    pending(table) {
      return [...(buckets.get(table)?.values() ?? [])];
    },
    dirtyKeys(table) {
      const spec = TABLES[table];
      return [...(dirty.get(table) ?? [])].map((id) => {
        const row = rows.get(table)!.get(id)!;
        return Object.fromEntries(spec.key.map((k) => [k, row[k]]));
      });
    },
    changes(table) {
      return [...(dirty.get(table) ?? [])].map((id) => ({
        before: originals.get(table)!.get(id) ?? null,
        after: rows.get(table)!.get(id)!,
      }));
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
      for (const [table, list] of appended) {
        eventRows += list.length;
        await writeRows(tx, table, list, "ignore", method);
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
