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
   * PostgreSQL, parsed and planned once per connection. With `generic`, a named statement is
   * planned once for any values (PostgreSQL's generic plan) instead of again on every run for
   * its values: for statements whose plan their values do not change.
   */
  query<T = Record<string, unknown>>(
    text: string,
    values?: unknown[],
    name?: string,
    options?: ReadOptions,
  ): Promise<T[]>;
  /**
   * Calls `onChange` each time a transaction that changed the checkpoint commits (the
   * `dvpn_checkpoint` NOTIFY of migration 0009: an indexed range, a rollback, a move of the head)
   * until the returned function is called. Where the database cannot announce it (a streaming
   * replica: NOTIFY does not cross replication) it never calls: its users keep polling as well.
   */
  onCheckpoint(onChange: () => void): () => void;
  close(): Promise<void>;
}

export interface ReadOptions {
  /**
   * Plan the prepared statement once, without its values. PostgreSQL otherwise plans a statement
   * whose estimated cost depends on its values (a `LIMIT` after filters compared with parameters)
   * again on every run: a tenth of a millisecond or more of planning for a page that takes
   * a few tenths to read. Only for statements whose best plan is the same for any values.
   */
  generic?: boolean;
}

/** The channel the checkpoint's trigger notifies (migration 0009_checkpoint_notify). */
export const CHECKPOINT_CHANNEL = "dvpn_checkpoint";
/** Delay before a lost LISTEN connection is opened again. */
const RELISTEN_MS = 1000;

/**
 * Listeners of checkpoint changes sharing one source: `start` begins listening with the first
 * listener and returns how to stop; every notification reaches every listener once.
 */
function checkpointListeners(start: (notify: () => void) => () => void) {
  const listeners = new Set<() => void>();
  let stop: (() => void) | undefined;
  let closed = false;
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  return {
    on(onChange: () => void): () => void {
      if (closed) return () => {}; // the reader is closed: nothing to listen with
      const l = () => onChange();
      listeners.add(l);
      stop ??= start(notify);
      return () => {
        listeners.delete(l);
        if (listeners.size === 0) {
          stop?.();
          stop = undefined;
        }
      };
    },
    close() {
      closed = true;
      listeners.clear();
      stop?.();
      stop = undefined;
    },
  };
}

/**
 * LISTENs on {@link CHECKPOINT_CHANNEL} over its own connection, opened again a second after it
 * is lost; `notify` is called once each time listening starts, for what committed before. Stops
 * for good where the server refuses LISTEN (a hot standby).
 */
function listenPg(connectionString: string, notify: () => void): () => void {
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  const retry = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void open();
    }, RELISTEN_MS);
    timer.unref?.();
  };
  async function open(): Promise<void> {
    const c = new pg.Client({ connectionString });
    c.on("error", () => {}); // 'end' follows: opened again
    c.on("notification", () => notify());
    c.on("end", () => {
      if (client === c) {
        client = undefined;
        retry();
      }
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHECKPOINT_CHANNEL}`);
      if (stopped) return void (await c.end().catch(() => {}));
      client = c;
      notify(); // a change committed before LISTEN took effect (or while the connection was lost)
    } catch (error) {
      await c.end().catch(() => {});
      // 25006 read_only_sql_transaction: "cannot execute LISTEN during recovery" on a standby.
      if ((error as { code?: string }).code !== "25006") retry();
    }
  }
  void open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    const c = client;
    client = undefined;
    void c?.end().catch(() => {});
  };
}

/**
 * A reader over a pool of PostgreSQL connections (its own, beside Prisma's), and a second pool,
 * opened on the first {@link ReadOptions.generic} read, whose connections plan prepared
 * statements generically (`plan_cache_mode` is a setting of the connection, not of a statement).
 * `listen: false` (a streaming replica) makes {@link Reader.onCheckpoint} never call.
 */
export function createPgReader(connectionString: string, max = 10, options: { listen?: boolean } = {}): Reader {
  const open = (settings?: string) => {
    const p = new pg.Pool({ connectionString, max, ...(settings ? { options: settings } : {}) });
    p.on("error", () => {}); // an idle connection that died: the pool replaces it
    return p;
  };
  const pool = open();
  let generic: pg.Pool | undefined;
  const changes = checkpointListeners((notify) =>
    options.listen === false ? () => {} : listenPg(connectionString, notify),
  );
  return {
    async query<T>(text: string, values: unknown[] = [], name?: string, read?: ReadOptions) {
      const target = read?.generic && name ? (generic ??= open("-c plan_cache_mode=force_generic_plan")) : pool;
      const r = await target.query(name ? { name, text, values } : { text, values });
      return r.rows as T[];
    },
    onCheckpoint: (onChange) => changes.on(onChange),
    close: async () => {
      changes.close();
      await Promise.all([pool.end(), generic?.end()]);
    },
  };
}

/** A reader over an embedded PGlite database. */
export function createPGliteReader(lite: PGlite): Reader {
  const changes = checkpointListeners((notify) => {
    let stopped = false;
    let unlisten: (() => Promise<void>) | undefined;
    lite.listen(CHECKPOINT_CHANNEL, notify).then(
      (u) => (stopped ? void u().catch(() => {}) : (unlisten = u)),
      () => {}, // closed meanwhile
    );
    return () => {
      stopped = true;
      void unlisten?.().catch(() => {});
    };
  });
  return {
    async query<T>(text: string, values: unknown[] = []) {
      return (await lite.query<T>(text, values)).rows;
    },
    onCheckpoint: (onChange) => changes.on(onChange),
    close: async () => changes.close(),
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
  /** Admitted statement texts and their names (at most `max`: each request's text is looked up, not hashed again). */
  const admitted = new Map<string, string>();
  const names = new Set<string>();
  return (text, values) => {
    if (values.length > 32) return undefined;
    const known = admitted.get(text);
    if (known !== undefined) return known;
    const name = `dvpn_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
    if (names.has(name)) return name;
    if (admitted.size >= max) return undefined;
    admitted.set(text, name);
    names.add(name);
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
