/**
 * An in-memory {@link EventStore} for unit tests of the event handlers: no database, every row
 * visible. Entity rows live in maps by id, bucket deltas are summed per key, appended event rows
 * are kept in order.
 */
import type { KeyOf, RowOf } from "../database/tables.ts";
import type { BucketDeltas, Bucket, Entity, EventStore } from "../indexing/store.ts";

type Append = "claims" | "heartbeats" | "slashes" | "votes";

export interface FakeStore extends EventStore {
  /** Entity rows by table and String(id). */
  readonly rows: { [T in Entity]: Map<string, RowOf<T>> };
  /** Event rows appended, per table, in order. */
  readonly appended: { [T in Append]: RowOf<T>[] };
  /** The sum of the deltas added to one bucket (empty when none). */
  bucket<T extends Bucket>(table: T, key: KeyOf<T>): Record<string, number | bigint>;
}

/** An empty fake store (put rows into it to stand for rows loaded from the database). */
export function createFakeStore(): FakeStore {
  const rows: FakeStore["rows"] = {
    providers: new Map(),
    sessions: new Map(),
    proposals: new Map(),
    parameters: new Map(),
  };
  const appended: FakeStore["appended"] = { claims: [], heartbeats: [], slashes: [], votes: [] };
  const added: { table: Bucket; key: string; deltas: object }[] = [];
  const bucketKey = (key: object) => JSON.stringify(Object.entries(key).sort());
  return {
    rows,
    appended,
    get<T extends Entity>(table: T, key: KeyOf<T>) {
      const map: Map<string, RowOf<T>> = rows[table];
      // Every entity's key is its id.
      return map.get(Object.values(key).map(String).join());
    },
    put<T extends Entity>(table: T, row: RowOf<T>) {
      const map: Map<string, RowOf<T>> = rows[table];
      map.set(String(row.id), row);
    },
    add<T extends Bucket>(table: T, key: KeyOf<T>, deltas: BucketDeltas<T>) {
      added.push({ table, key: bucketKey(key), deltas });
    },
    append<T extends Append>(table: T, row: RowOf<T>) {
      const list: RowOf<T>[] = appended[table];
      list.push(row);
    },
    bucket(table, key) {
      const sum: Record<string, number | bigint> = {};
      for (const a of added) {
        if (a.table !== table || a.key !== bucketKey(key)) continue;
        for (const [c, d] of Object.entries(a.deltas)) {
          if (typeof d === "bigint") sum[c] = BigInt(sum[c] ?? 0n) + d;
          else if (typeof d === "number") sum[c] = Number(sum[c] ?? 0) + d;
        }
      }
      return sum;
    },
  };
}
