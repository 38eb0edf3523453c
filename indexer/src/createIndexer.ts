import { createCommon, type Common } from "./common/common.ts";
import { DatabaseMismatchError, IndexerError } from "./common/errors.ts";
import { sleep } from "../../sdk/src/shutdown/sleep.ts";
import { createConfig, type IndexerParams } from "./config/createConfig.ts";
import { readCheckpoint } from "./database/checkpoint.ts";
import { createDatabase, type Database, type PrismaClient } from "./database/createDatabase.ts";
import { createServer, type Server } from "./server/createServer.ts";
import { createRangeFetcher, createRangeThread, type RangeFetcher } from "./sync-historical/createRangeFetcher.ts";
import { createRpc } from "./sync-historical/createRpc.ts";
import { createSync, type Sync } from "./sync-realtime/createSync.ts";

export type { IndexerParams };

/** A running (or startable) indexer: sync + GraphQL server. */
export interface Indexer {
  /** Opens the database (applying migrations), starts the server and the sync. */
  start(): Promise<void>;
  /** Stops the sync and the server and closes the database. */
  stop(): Promise<void>;
  /** GraphQL endpoint, e.g. http://127.0.0.1:4350/graphql (after start). */
  readonly url: string;
  /** Resolves once the index has reached the confirmed chain head (rejects if the sync dies). */
  ready: Promise<void>;
  /** Rejects when the sync stops on a fatal error (bad deployment, lost writer lock, …). */
  failed: Promise<never>;
  isCaughtUp(): boolean;
  /** Whether this instance is the database's writer. */
  isWriter(): boolean;
  /** The Prisma client over the indexer's database (after start), for in-process readers. */
  readonly prisma: PrismaClient;
  common: Common;
}

/**
 * Creates an indexer. Several instances may share one PostgreSQL database: one writes (it holds
 * an advisory lock; another takes over when it dies), all serve queries. PGlite: one instance.
 *
 * @example
 * const indexer = createIndexer({ rpcUrl: "http://127.0.0.1:8545", deployment: "deployments/31337.json", port: 0 });
 * await indexer.start();
 * await indexer.ready;
 * console.log(indexer.url);
 */
export function createIndexer(params: IndexerParams): Indexer {
  const config = createConfig(params);
  const common = createCommon(config);
  const { logger, shutdown } = common;
  let db: Database | undefined;
  let server: Server | undefined;
  let sync: Sync | undefined;
  let writer = false;
  let followerReady = false;
  let loop: Promise<void> | undefined;
  let resolveReady!: () => void;
  let rejectReady!: (e: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {});
  let rejectFailed!: (e: unknown) => void;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => {});

  async function followerCheck(database: Database): Promise<boolean> {
    const cp = await readCheckpoint(database.prisma);
    return cp !== undefined && cp.blockNumber >= cp.headNumber - config.confirmations;
  }

  async function run(database: Database, thread: RangeFetcher | undefined): Promise<void> {
    const rpc = createRpc(common);
    const chainId = await rpc.getChainId();
    if (chainId !== config.deployment.chainId) {
      throw new IndexerError(
        `the RPC serves chain ${chainId} but the deployment is for chain ${config.deployment.chainId}: check --rpc and --deployment`,
      );
    }
    while (!shutdown.isKilled) {
      if (await database.tryAcquireWriter()) {
        writer = true;
        common.metrics.set("dvpn_indexer_is_writer", 1);
        logger.info({ db: database.kind }, "writer lock taken: indexing");
        sync = createSync(common, database, rpc, thread ?? createRangeFetcher(common, rpc));
        void sync.caughtUp.then(resolveReady);
        await sync.run();
        return;
      }
      // Reader: serve queries, try to take over every few poll intervals.
      if (!followerReady && (await followerCheck(database).catch(() => false))) {
        followerReady = true;
        resolveReady();
      }
      await sleep(Math.max(1000, config.pollIntervalMs * 2), shutdown.signal);
    }
  }

  return {
    common,
    ready,
    failed,
    get url() {
      if (!server) throw new IndexerError("the indexer is not started");
      return server.url;
    },
    get prisma() {
      if (!db) throw new IndexerError("the indexer is not started");
      return db.prisma;
    },
    isCaughtUp: () => (writer ? (sync?.isCaughtUp() ?? false) : followerReady),
    isWriter: () => writer,
    async start() {
      if (db) return;
      // An instance that may index PGlite reads the backfill's ranges on a thread (see
      // createRangeFetcher.ts), started first so that it loads while the database opens.
      const thread = !config.readOnly && !config.databaseUrl ? createRangeThread(common) : undefined;
      let database: Database;
      try {
        database = await createDatabase(common);
        shutdown.add("database", () => database.close());
        const cp = await readCheckpoint(database.prisma);
        const registry = config.deployment.contracts.ProviderRegistry.address;
        if (cp && (cp.chainId !== config.deployment.chainId || cp.registry.toLowerCase() !== registry.toLowerCase())) {
          await shutdown.shutdown();
          throw new DatabaseMismatchError(
            `the database indexes chain ${cp.chainId} registry ${cp.registry}, not chain ${config.deployment.chainId} registry ${registry}: use another DATABASE_URL or data folder`,
          );
        }
        if (database.standby && !config.readOnly) {
          await shutdown.shutdown();
          throw new IndexerError(
            "the database is a read-only hot standby (a streaming replica): run this instance with --read-only, or point DATABASE_URL at the primary to index",
          );
        }
        db = database;
        server = await createServer(common, {
          db: database,
          isReady: async () => (writer ? (sync?.isCaughtUp() ?? false) : followerCheck(database)),
        });
        const srv = server;
        shutdown.add("HTTP server", () => srv.close());
      } catch (error) {
        // A start that failed leaves no thread behind.
        await thread?.close();
        throw error;
      }
      if (config.readOnly) {
        void (async () => {
          while (!shutdown.isKilled && !(await followerCheck(database).catch(() => false)))
            await sleep(config.pollIntervalMs, shutdown.signal);
          followerReady = true;
          resolveReady();
        })();
        return;
      }
      loop = run(database, thread).catch((error: unknown) => {
        logger.error({ err: (error as Error).message }, "indexer stopped");
        rejectReady(error);
        rejectFailed(error);
        throw error;
      });
      loop.catch(() => {});
      shutdown.add("sync loop", () => loop?.catch(() => {}));
    },
    async stop() {
      await shutdown.shutdown();
    },
  };
}
