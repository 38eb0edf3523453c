import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../../generated/prisma/client.ts";
import { sleep } from "../../../sdk/src/shutdown/sleep.ts";
import type { Common } from "../common/common.ts";
import { listMigrations, migrate } from "./migrate.ts";
import { migratePGlite, seedFromTemplate } from "./pgliteTemplate.ts";
import { createPGliteReader, createPgReader, type Reader } from "./reader.ts";

export type { PrismaClient };
/** A Prisma client or the client of an interactive transaction. */
export type Db = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/** Storage: PostgreSQL when `databaseUrl` is set, else embedded PGlite in `dataDir`. */
export interface Database {
  kind: "postgres" | "pglite";
  /** True when the database is a PostgreSQL hot standby (a streaming replica: reads only). */
  standby: boolean;
  prisma: PrismaClient;
  /** Plain SQL reads for the feed's hot paths (see {@link Reader}). */
  read: Reader;
  /**
   * Tries to become the single writer (a session-level advisory lock on a dedicated
   * connection, released by PostgreSQL when this process dies). PGlite: always true.
   */
  tryAcquireWriter(): Promise<boolean>;
  /** True once the connection holding the writer lock has failed (the lock may be gone). */
  writerLost(): boolean;
  /**
   * Seconds this database is behind its primary when it is a PostgreSQL streaming replica (0 once
   * it has replayed all the WAL it received); null on a primary or PGlite.
   */
  replicaLag(): Promise<number | null>;
  /** Runs `fn` in one database transaction. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const WRITER_LOCK = 7361829305n;
/** How long closing waits for Prisma's pool to end (see `close`). */
const DISCONNECT_WAIT_MS = 5000;

/**
 * A standby's lag: 0 when it has replayed everything it received, else the age of the last
 * transaction it replayed (so an idle primary does not read as lag).
 */
const REPLICA_LAG_SQL = `SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag`;

/** {@link migrate} over a PostgreSQL connection: the migrations not applied yet, in one transaction. */
export function migratePg(client: pg.Client): Promise<string[]> {
  return migrate({
    async transaction(fn) {
      await client.query("BEGIN");
      try {
        await fn(async (sql) => {
          const r = await client.query(sql);
          return Array.isArray(r) ? (r.at(-1)?.rows ?? []) : r.rows;
        });
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      }
    },
  });
}

/** On a standby: every committed migration must already be there (applied on the primary by its writer). */
async function checkMigrated(client: pg.Client): Promise<void> {
  const table = await client.query<{ t: string | null }>(`SELECT to_regclass('"_dvpn_migrations"')::text AS t`);
  const done = table.rows[0]?.t
    ? new Set((await client.query<{ name: string }>(`SELECT name FROM "_dvpn_migrations"`)).rows.map((r) => r.name))
    : new Set<string>();
  const missing = listMigrations()
    .map((m) => m.name)
    .filter((n) => !done.has(n));
  if (missing.length)
    throw new Error(
      `the database is a read-only standby without migrations ${missing.join(", ")}: start the writer on the primary first`,
    );
}

/** Opens the database, applies the committed migrations and returns it. */
export async function createDatabase(common: Pick<Common, "config" | "logger">): Promise<Database> {
  const { config, logger } = common;
  if (config.databaseUrl) {
    const url = config.databaseUrl;
    let standby = false;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // A hot standby (streaming replica) cannot write: check the schema there instead of migrating.
      const recovery = await client.query<{ standby: boolean }>("SELECT pg_is_in_recovery() AS standby");
      standby = recovery.rows[0]?.standby === true;
      if (standby) {
        await checkMigrated(client);
        logger.info("database is a hot standby: serving reads from the replica");
      } else {
        const applied = await migratePg(client);
        if (applied.length) logger.info({ applied }, "migrations applied");
      }
    } finally {
      await client.end();
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: config.poolSize }) });
    // A standby cannot LISTEN (and no NOTIFY crosses replication): its readers poll.
    const read = createPgReader(url, config.poolSize, { listen: !standby });
    let lockClient: pg.Client | undefined;
    let lost = false;
    return {
      kind: "postgres",
      standby,
      prisma,
      read,
      async tryAcquireWriter() {
        if (!lockClient) {
          const c = new pg.Client({ connectionString: url });
          c.on("error", (err) => {
            lost = true;
            logger.error({ err: err.message }, "writer lock connection lost");
          });
          c.on("end", () => (lost = true));
          await c.connect();
          lockClient = c;
        }
        const r = await lockClient.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
          WRITER_LOCK.toString(),
        ]);
        return r.rows[0]?.ok === true;
      },
      writerLost: () => lost,
      async replicaLag() {
        if (!standby) return null;
        const [row] = await read.query<{ lag: number | null }>(REPLICA_LAG_SQL, [], "dvpn_replica_lag");
        return row?.lag ?? null;
      },
      transaction: (fn) => prisma.$transaction((tx) => fn(tx), { timeout: 600_000, maxWait: 60_000 }),
      async close() {
        // Our own connections first (the reader's pool, its LISTEN connection, the lock): they
        // are what keeps a stopping process alive.
        await read.close().catch(() => {});
        const c = lockClient;
        lockClient = undefined;
        await c?.end().catch(() => {});
        // Prisma's PostgreSQL adapter does not hand back to its pool a connection that died inside
        // an interactive transaction, and its pool's end waits for every connection handed out:
        // after a restart of the server mid-range, $disconnect would never return. Such a
        // connection is already closed, so nothing is left open by not waiting for it.
        const bound = new AbortController();
        const done = await Promise.race([
          prisma.$disconnect().then(() => true),
          sleep(DISCONNECT_WAIT_MS, bound.signal).then(() => false),
        ]);
        bound.abort();
        if (!done)
          logger.warn(
            { waitedMs: DISCONNECT_WAIT_MS },
            "database pool not ended: a connection lost inside a transaction was never handed back",
          );
      },
    };
  }

  mkdirSync(config.dataDir, { recursive: true });
  // A new folder starts as a copy of the set-up's migrated template, when there is one.
  const seeded = seedFromTemplate(config.dataDir);
  const lite = await PGlite.create(config.dataDir);
  const applied = await migratePGlite(lite);
  if (seeded) logger.info({ dataDir: config.dataDir }, "new PGlite data folder copied from the migrated template");
  if (applied.length) logger.info({ applied, dataDir: config.dataDir }, "migrations applied (PGlite)");
  const prisma = new PrismaClient({
    // pglite-prisma-adapter 0.6 is typed against a slightly older driver-adapter-utils.
    adapter: new PrismaPGlite(lite) as unknown as PrismaPg,
  });
  const read = createPGliteReader(lite);
  return {
    kind: "pglite",
    standby: false,
    prisma,
    read,
    tryAcquireWriter: async () => true,
    writerLost: () => false,
    replicaLag: async () => null,
    transaction: (fn) => prisma.$transaction((tx) => fn(tx), { timeout: 600_000, maxWait: 60_000 }),
    async close() {
      await read.close();
      await prisma.$disconnect();
      await lite.close();
    },
  };
}
