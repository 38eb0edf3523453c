/**
 * Two instances on one PostgreSQL database: one writes (advisory lock), both serve queries;
 * when the writer is killed, the other takes the lock over and keeps indexing.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { toHex } from "viem";
import { providerRegistryAbi } from "../../../sdk/src/abi/index.ts";
import { createIndexer, type Indexer } from "../createIndexer.ts";
import { DVPN, USD, gql, startTestChain, waitFor, type TestChain } from "../../../test/kit/testChain.ts";
import { spawnIndexer, writeDeployment, type ChildIndexer } from "../testing/child.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/kit/postgres.ts";

let chain: TestChain;
let db: TestDatabase;
let writer: ChildIndexer | undefined;
let reader: Indexer | undefined;
const dir = mkdtempSync(join(tmpdir(), "dvpn-two-"));

before(async () => {
  chain = await startTestChain({ fund: 3 });
  db = await createTestDatabase();
});

after(async () => {
  await reader?.stop();
  await writer?.kill();
  await chain?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test("one writer, two readers; the second instance takes over when the writer dies", async () => {
  const reg = chain.deployment.contracts.ProviderRegistry.address;
  const [, p1, p2] = chain.accounts;
  await chain.send(p1!, reg, providerRegistryAbi, "register", [
    "w.example:51820",
    toHex(1, { size: 32 }),
    toHex("DE", { size: 2 }),
    USD("0.05"),
    0n,
    5,
    DVPN(2000),
  ]);

  writer = spawnIndexer([
    "--rpc",
    chain.url,
    "--deployment",
    writeDeployment(dir, chain.deployment),
    "--database-url",
    db.url,
    "--port",
    "0",
    "--poll-interval-ms",
    "50",
  ]);
  const writerUrl = await writer.url;
  await waitFor(
    "writer indexed",
    async () => (await gql(writerUrl, "{ providers { totalCount } }")).data?.providers.totalCount === 1,
  );

  reader = createIndexer({
    rpcUrl: chain.url,
    deployment: chain.deployment,
    databaseUrl: db.url,
    port: 0,
    pollIntervalMs: 50,
    logLevel: "silent",
  });
  await reader.start();
  await reader.ready;
  assert.equal(reader.isWriter(), false, "the lock is held by the child");
  const query = `{ providers { totalCount items { id region stake } } _meta { block { number hash } } }`;
  assert.deepEqual((await gql(reader.url, query)).data, (await gql(writerUrl, query)).data);

  // New events are indexed by the writer and visible through the reader.
  await chain.send(p2!, reg, providerRegistryAbi, "register", [
    "x.example:51820",
    toHex(2, { size: 32 }),
    toHex("US", { size: 2 }),
    USD("0.05"),
    0n,
    5,
    DVPN(2000),
  ]);
  await waitFor(
    "reader sees the writer's rows",
    async () => (await gql(reader!.url, "{ providers { totalCount } }")).data?.providers.totalCount === 2,
  );

  await writer.kill("SIGKILL");
  await waitFor("reader took the writer lock", async () => reader!.isWriter());
  await chain.send(p1!, reg, providerRegistryAbi, "pause", []);
  const head = await chain.latest();
  await waitFor(
    "new writer indexes the head",
    async () => (await gql(reader!.url, "{ _meta { block { hash } } }")).data?._meta.block?.hash === head.hash,
  );
  const paused = (await gql(reader.url, `{ provider(id: "${p1}") { paused } }`)).data.provider.paused;
  assert.equal(paused, true);
});

test("an instance refuses a database that indexes another deployment", async () => {
  const other = {
    ...chain.deployment,
    contracts: {
      ...chain.deployment.contracts,
      ProviderRegistry: { address: "0x000000000000000000000000000000000000dEaD" as const, blockNumber: 1 },
    },
  };
  const wrong = createIndexer({
    rpcUrl: chain.url,
    deployment: other,
    databaseUrl: db.url,
    port: 0,
    logLevel: "silent",
  });
  await assert.rejects(
    wrong.start(),
    /the database indexes chain 31337 registry 0x.*not chain 31337 registry 0x000000000000000000000000000000000000dEaD/,
  );
});
