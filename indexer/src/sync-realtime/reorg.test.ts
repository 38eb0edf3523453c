/**
 * Reorgs on a hardhat node: evm_snapshot, a branch the indexer indexes, evm_revert, a
 * different branch (longer, then shorter). After each, the index must equal a fresh index of
 * the canonical chain. Also: hardhat_mine(count) blocks (parentHash 0x0) do not break it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { toHex, type Address } from "viem";
import { providerRegistryAbi, sessionEscrowAbi } from "../../../sdk/src/abi/index.ts";
import { createIndexer, type Indexer } from "../createIndexer.ts";
import { USD, gql, registerProvider, startTestChain, waitFor, type TestChain } from "../../../test/kit/testChain.ts";
import { snapshotState } from "../../../test/kit/snapshot.ts";

let chain: TestChain;
let indexer: Indexer;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "dvpn-reorg-"));
  dirs.push(d);
  return d;
};
const opts = () => ({
  rpcUrl: chain.url,
  deployment: chain.deployment,
  port: 0,
  pollIntervalMs: 50,
  logLevel: "silent",
  finalityDepth: 32,
});

async function indexedHead(i: Indexer): Promise<void> {
  const head = await chain.latest();
  await waitFor(`indexer at block ${head.number}`, async () => {
    const meta = (await gql(i.url, "{ _meta { block { number hash } } }")).data?._meta.block;
    return meta?.number === head.number && meta.hash === head.hash;
  });
}

async function freshState() {
  const fresh = createIndexer({ ...opts(), dataDir: tmp() });
  await fresh.start();
  try {
    await indexedHead(fresh);
    return await snapshotState(fresh.prisma);
  } finally {
    await fresh.stop();
  }
}

before(async () => {
  chain = await startTestChain({ fund: 6 });
  for (const [i, region] of ["DE", "US", "FR"].entries())
    await registerProvider(chain, chain.accounts[i + 1]!, i + 1, region);
  indexer = createIndexer({ ...opts(), dataDir: tmp() });
  await indexer.start();
  await indexer.ready;
});

after(async () => {
  await indexer?.stop();
  await chain?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("a reorg to a longer and then a shorter branch leaves the index equal to a fresh one", async () => {
  const reg = chain.deployment.contracts.ProviderRegistry.address;
  const esc = chain.deployment.contracts.SessionEscrow.address;
  const [, p1, p2, p3, c1, c2] = chain.accounts as Address[];
  const open = (client: Address, provider: Address, key: number) =>
    chain.send(client, esc, sessionEscrowAbi, "openSession", [
      provider,
      toHex(100 + key, { size: 32 }),
      client,
      USD(5),
      USD(1),
      USD(1),
    ]);

  await indexedHead(indexer);
  // At the head the backfill's fetch thread (PGlite) is let go.
  await waitFor(
    "the fetch thread let go at the head",
    async () => indexer.common.metrics.get("dvpn_indexer_fetch_threads") === 0,
  );
  // Branch A: sessions, a heartbeat, a pause; indexed.
  const snap = await chain.rpc<string>("evm_snapshot");
  await open(c1!, p1!, 1);
  await chain.send(p1!, esc, sessionEscrowAbi, "acceptSession", [1n, "10.0.0.2/32"]);
  await chain.send(p2!, reg, providerRegistryAbi, "heartbeat", []);
  await chain.send(p3!, reg, providerRegistryAbi, "pause", []);
  await indexedHead(indexer);
  const onA = (await gql(indexer.url, `{ session(id: "1") { provider } provider(id: "${p3}") { paused } }`)).data;
  assert.equal(onA.session.provider, p1);
  assert.equal(onA.provider.paused, true);

  // Branch B from the snapshot: different events, more blocks.
  assert.equal(await chain.rpc("evm_revert", [snap]), true);
  await open(c2!, p2!, 2);
  await chain.mine();
  await chain.send(p1!, reg, providerRegistryAbi, "setPrices", [USD("0.02"), USD("0.0001")]);
  await chain.mine();
  await open(c1!, p3!, 3);
  await chain.mine();
  await indexedHead(indexer);
  const onB = (
    await gql(indexer.url, `{ session(id: "1") { provider } provider(id: "${p3}") { paused } _meta { reorgs } }`)
  ).data;
  assert.equal(onB.session.provider, p2, "session 1 is branch B's");
  assert.equal(onB.provider.paused, false, "branch A's pause is gone");
  assert.ok(onB._meta.reorgs >= 1);
  assert.deepEqual(await snapshotState(indexer.prisma), await freshState());

  // A reorg to a shorter branch (the head goes back below the indexed tip).
  const snap2 = await chain.rpc<string>("evm_snapshot");
  for (let i = 0; i < 4; i++) await chain.send(p2!, reg, providerRegistryAbi, "heartbeat", []);
  await indexedHead(indexer);
  assert.equal(await chain.rpc("evm_revert", [snap2]), true);
  await chain.send(p3!, reg, providerRegistryAbi, "heartbeat", []);
  await indexedHead(indexer);
  const reorgs = (await gql(indexer.url, "{ _meta { reorgs } }")).data._meta.reorgs;
  assert.ok(reorgs >= 2, `reorgs ${reorgs}`);
  assert.deepEqual(await snapshotState(indexer.prisma), await freshState());
  assert.ok(indexer.common.metrics.get("dvpn_indexer_reorgs_total") >= 2);
});

test("blocks from hardhat_mine(count) with a zero parentHash are not taken for a reorg", async () => {
  const reg = chain.deployment.contracts.ProviderRegistry.address;
  const before = (await gql(indexer.url, "{ _meta { reorgs } }")).data._meta.reorgs;
  await chain.rpc("hardhat_mine", ["0x5"]);
  await chain.send(chain.accounts[1]!, reg, providerRegistryAbi, "heartbeat", []);
  await chain.rpc("hardhat_mine", ["0x3"]);
  await chain.send(chain.accounts[2]!, reg, providerRegistryAbi, "heartbeat", []);
  await indexedHead(indexer);
  assert.equal((await gql(indexer.url, "{ _meta { reorgs } }")).data._meta.reorgs, before);
  assert.deepEqual(await snapshotState(indexer.prisma), await freshState());
});
