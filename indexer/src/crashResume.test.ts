/**
 * Crash and resume: an indexer child process is killed with SIGKILL in the middle of a
 * backfill, restarted, and must end with exactly the state of a fresh index of the same chain
 * (PostgreSQL and PGlite).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { toHex, type Address } from "viem";
import { providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { createIndexer } from "./createIndexer.ts";
import { USD, gql, registerProvider, startTestChain, waitFor, type TestChain } from "../../test/kit/testChain.ts";
import { spawnIndexer, writeDeployment, type ChildIndexer } from "./testing/child.ts";
import { createTestDatabase, type TestDatabase } from "../../test/kit/postgres.ts";
import { snapshotState } from "../../test/kit/snapshot.ts";

describe("crash and resume", () => {
  let chain: TestChain;
  let deploymentFile: string;
  const dirs: string[] = [];
  const children: ChildIndexer[] = [];
  const dbs: TestDatabase[] = [];
  let expected: Awaited<ReturnType<typeof snapshotState>>;
  let head: { number: number; hash: string };
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), "dvpn-crash-"));
    dirs.push(d);
    return d;
  };
  // Small ranges so the backfill takes many transactions.
  const flags = () => [
    "--rpc",
    chain.url,
    "--deployment",
    deploymentFile,
    "--port",
    "0",
    "--block-range",
    "3",
    "--max-block-range",
    "4",
    "--finality-depth",
    "8",
    "--poll-interval-ms",
    "50",
  ];

  before(async () => {
    chain = await startTestChain({ fund: 6 });
    deploymentFile = writeDeployment(tmp(), chain.deployment);
    const reg = chain.deployment.contracts.ProviderRegistry.address;
    const esc = chain.deployment.contracts.SessionEscrow.address;
    const providers = chain.accounts.slice(1, 4) as Address[];
    for (const [i, p] of providers.entries()) {
      await registerProvider(chain, p, i + 1, ["DE", "US", "FR"][i]!, 50);
    }
    const clients = chain.accounts.slice(4, 7) as Address[];
    for (let i = 0; i < 40; i++) {
      const p = providers[i % 3]!;
      if (i % 4 === 0) {
        await chain.send(clients[i % 3]!, esc, sessionEscrowAbi, "openSession", [
          p,
          toHex(1000 + i, { size: 32 }),
          clients[i % 3]!,
          USD(1),
          USD(1),
          USD(1),
        ]);
      } else {
        await chain.send(p, reg, providerRegistryAbi, "heartbeat", []);
      }
    }
    head = await chain.latest();
    const fresh = createIndexer({
      rpcUrl: chain.url,
      deployment: chain.deployment,
      dataDir: tmp(),
      port: 0,
      logLevel: "silent",
      finalityDepth: 8,
    });
    await fresh.start();
    await fresh.ready;
    expected = await snapshotState(fresh.prisma);
    await fresh.stop();
    assert.equal((expected.checkpoint![0] as { blockNumber: number }).blockNumber, head.number);
  });

  after(async () => {
    for (const c of children) await c.kill();
    await chain?.stop();
    for (const d of dbs) await d.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("PostgreSQL: SIGKILL mid-backfill, restart, same state as a fresh index", async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const checkpoint = async () => {
        const r = await client
          .query<{ blockNumber: number }>(`SELECT "blockNumber" FROM checkpoint WHERE id = 1`)
          .catch(() => ({ rows: [] }));
        return r.rows[0]?.blockNumber;
      };
      const first = spawnIndexer([...flags(), "--database-url", db.url]);
      children.push(first);
      const at = await waitFor("some blocks indexed", async () => {
        const n = await checkpoint();
        return n !== undefined && n > chain.deployment.startBlock ? n : undefined;
      });
      await first.kill("SIGKILL");
      const killedAt = await checkpoint();
      assert.ok(
        killedAt !== undefined && killedAt < head.number,
        `killed mid-backfill (at ${killedAt} of ${head.number}, first seen ${at})`,
      );

      const second = spawnIndexer([...flags(), "--database-url", db.url]);
      children.push(second);
      const url = await second.url;
      await waitFor(
        "resumed to the head",
        async () => (await gql(url, "{ _meta { block { number hash } } }")).data?._meta.block?.hash === head.hash,
      );
      await second.kill("SIGTERM");
    } finally {
      await client.end();
    }
    const { createDatabase } = await import("./database/createDatabase.ts");
    const { createConfig } = await import("./config/createConfig.ts");
    const config = createConfig({
      rpcUrl: chain.url,
      deployment: chain.deployment,
      databaseUrl: db.url,
      logLevel: "silent",
    });
    const { createLogger } = await import("./common/logger.ts");
    const database = await createDatabase({ config, logger: createLogger("silent") });
    try {
      assert.deepEqual(await snapshotState(database.prisma), expected);
    } finally {
      await database.close();
    }
  });

  test("PGlite: SIGKILL mid-backfill, restart, same state as a fresh index", async () => {
    const dataDir = tmp();
    const first = spawnIndexer([...flags(), "--data-dir", dataDir], { DVPN_LOG_LEVEL: "debug" });
    children.push(first);
    await waitFor("some ranges indexed", async () =>
      (first.output().match(/"msg":"indexed"/g)?.length ?? 0) >= 3 ? true : undefined,
    );
    await first.kill("SIGKILL");
    assert.doesNotMatch(first.output(), /caught up with the chain head/, "killed before catching up");

    const second = spawnIndexer([...flags(), "--data-dir", dataDir]);
    children.push(second);
    const url = await second.url;
    await waitFor(
      "resumed to the head",
      async () => (await gql(url, "{ _meta { block { number hash } } }")).data?._meta.block?.hash === head.hash,
    );
    await second.kill("SIGTERM");
    const check = createIndexer({
      rpcUrl: chain.url,
      deployment: chain.deployment,
      dataDir,
      port: 0,
      logLevel: "silent",
      readOnly: true,
    });
    await check.start();
    try {
      assert.deepEqual(await snapshotState(check.prisma), expected);
    } finally {
      await check.stop();
    }
  });
});
