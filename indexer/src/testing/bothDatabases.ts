/**
 * Test helper: the same chain indexed into both database targets, an embedded PGlite in a temp
 * folder and a fresh PostgreSQL database, each by its own indexer serving GraphQL on a free port,
 * both caught up with the chain's head.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIndexer, type Indexer, type IndexerParams } from "../createIndexer.ts";
import { gql, waitFor, type TestChain } from "../../../test/kit/testChain.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/kit/postgres.ts";

/** The database targets, in the order tests loop over them. */
export const DATABASE_TARGETS = ["PGlite", "PostgreSQL"] as const;
/** One of {@link DATABASE_TARGETS}. */
export type DatabaseTarget = (typeof DATABASE_TARGETS)[number];

/** What {@link indexOnBothDatabases} started. */
export interface BothDatabases {
  /** Each target's indexer. */
  indexers: Record<DatabaseTarget, Indexer>;
  /** Each target's GraphQL URL. */
  urls: Record<DatabaseTarget, string>;
  /** The PostgreSQL target's database URL (for another instance over the same database). */
  postgresUrl: string;
  /** The chain head both had indexed when the helper returned. */
  head: { number: number; timestamp: number; hash: string };
  /** Stops both indexers, drops the PostgreSQL database and removes the PGlite folder. */
  stop(): Promise<void>;
}

/**
 * Indexes `chain` into PGlite and PostgreSQL and waits until both have its head. The indexers
 * poll every 100 ms, log nothing and keep 16 unfinalized blocks unless `options` say otherwise.
 * On failure it removes what it made before throwing.
 */
export async function indexOnBothDatabases(
  chain: TestChain,
  options: Partial<IndexerParams> = {},
): Promise<BothDatabases> {
  const dataDir = mkdtempSync(join(tmpdir(), "dvpn-indexer-"));
  let db: TestDatabase | undefined;
  const started: Indexer[] = [];
  const stop = async () => {
    for (const i of started) await i.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    db = await createTestDatabase();
    const common: IndexerParams = {
      rpcUrl: chain.url,
      deployment: chain.deployment,
      port: 0,
      pollIntervalMs: 100,
      logLevel: "silent",
      finalityDepth: 16,
      ...options,
    };
    const indexers = {
      PGlite: createIndexer({ ...common, dataDir }),
      PostgreSQL: createIndexer({ ...common, databaseUrl: db.url }),
    };
    started.push(indexers.PGlite, indexers.PostgreSQL);
    await Promise.all(started.map((i) => i.start()));
    await Promise.all(started.map((i) => i.ready));
    const head = await chain.latest();
    for (const i of started) {
      await waitFor(
        "indexed head",
        async () => (await gql(i.url, "{ _meta { block { number } } }")).data?._meta.block?.number === head.number,
      );
    }
    return {
      indexers,
      urls: { PGlite: indexers.PGlite.url, PostgreSQL: indexers.PostgreSQL.url },
      postgresUrl: db.url,
      head,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
