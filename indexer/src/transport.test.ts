/**
 * Published transport offers in the feed: providers publish, re-publish and withdraw offers on a
 * hardhat node; the feed, indexed into PGlite and into PostgreSQL, serves each provider's latest
 * offer and filters on its kind (`transport: v2ray` / `none`).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stringToHex, type Address, type Hex } from "viem";
import { providerRegistryAbi } from "../../sdk/src/abi/index.ts";
import { bytes16ToClientId } from "../../sdk/src/transport/offer.ts";
import { createIndexer, type Indexer } from "./createIndexer.ts";
import { DVPN, gql, startTestChain, waitFor, type TestChain } from "./testing/chain.ts";
import { createTestDatabase, type TestDatabase } from "./testing/postgres.ts";

const cert = (n: number): Hex => `0x${n.toString(16).padStart(2, "0").repeat(32)}`;
const id = (n: number): Hex => `0x${n.toString(16).padStart(2, "0").repeat(16)}`;

describe("transport offers in the feed", () => {
  let chain: TestChain;
  let pgDb: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), "dvpn-indexer-transport-"));
  const indexers: Indexer[] = [];
  const urls: Record<string, string> = {};
  let providers: Address[] = [];

  before(async () => {
    chain = await startTestChain({ fund: 3 });
    providers = chain.accounts.slice(1, 4);
    const registry = chain.deployment.contracts.ProviderRegistry.address;
    for (const [i, p] of providers.entries()) {
      const key = `0x${String(i + 1)
        .padStart(2, "0")
        .repeat(32)}`;
      const args = [`10.0.0.${i + 1}:51820`, key, stringToHex("DE", { size: 2 }), 1n, 1n, 5, DVPN(1000)];
      await chain.send(p, registry, providerRegistryAbi, "register", args);
    }
    const set = (p: Address, args: unknown[]) => chain.send(p, registry, providerRegistryAbi, "setTransport", args);
    // 0: offers, then re-publishes on another port; 1: offers, then withdraws; 2: never offers.
    await set(providers[0]!, [1, 8443, cert(1), id(1)]);
    await set(providers[0]!, [1, 443, cert(2), id(2)]);
    await set(providers[1]!, [1, 443, cert(3), id(3)]);
    await set(providers[1]!, [0, 0, cert(0), id(0)]);
    pgDb = await createTestDatabase();
    const common = {
      rpcUrl: chain.url,
      deployment: chain.deployment,
      port: 0,
      pollIntervalMs: 100,
      logLevel: "silent",
      finalityDepth: 16,
    };
    const lite = createIndexer({ ...common, dataDir });
    const pg = createIndexer({ ...common, databaseUrl: pgDb.url });
    indexers.push(lite, pg);
    await Promise.all(indexers.map((i) => i.start()));
    await Promise.all(indexers.map((i) => i.ready));
    const head = await chain.latest();
    for (const i of indexers)
      await waitFor(
        "indexed head",
        async () => (await gql(i.url, "{ _meta { block { number } } }")).data?._meta.block?.number === head.number,
      );
    urls.PGlite = lite.url;
    urls.PostgreSQL = pg.url;
  });

  after(async () => {
    for (const i of indexers) await i.stop();
    await chain?.stop();
    await pgDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ids = async (url: string, where: string) => {
    const r = await gql(url, `{ providers(where: { ${where} }) { items { id } totalCount } }`);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return (r.data.providers.items as { id: string }[]).map((p) => p.id).sort();
  };

  for (const which of ["PGlite", "PostgreSQL"] as const) {
    test(`${which}: each provider's latest offer, and the transport filter`, async () => {
      const offers = [];
      for (const p of providers) {
        const r = await gql(urls[which]!, `{ provider(id: "${p}") { transport { kind port certSha256 clientId } } }`);
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
        offers.push(r.data.provider.transport);
      }
      assert.deepEqual(offers, [
        { kind: "v2ray", port: 443, certSha256: cert(2), clientId: bytes16ToClientId(id(2)) },
        null,
        null,
      ]);
      assert.deepEqual(await ids(urls[which]!, "transport: v2ray"), [providers[0]!]);
      assert.deepEqual(await ids(urls[which]!, "transport: none"), [providers[1]!, providers[2]!].sort());
      const bad = await gql(urls[which]!, "{ providers(where: { transport: obfs4 }) { totalCount } }");
      assert.match(bad.errors?.[0]?.message ?? "", /obfs4/);
    });
  }
});
