/**
 * The answer cache (resultCache.ts) on a hardhat node indexed into PGlite and PostgreSQL: a
 * repeated query is answered from the cache with the same bytes a server without the cache gives;
 * the next indexed block drops it, so a change is served as soon as its block is indexed; answers
 * with errors are never kept; requests arriving together share one execution; `resultCacheMiB: 0`
 * turns it off.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { stringToHex, type Address } from "viem";
import { providerRegistryAbi } from "../../../sdk/src/abi/index.ts";
import { DVPN, gql, startTestChain, waitFor, type TestChain } from "../../../test/kit/testChain.ts";
import { createIndexer, type Indexer } from "../createIndexer.ts";
import { DATABASE_TARGETS, indexOnBothDatabases, type BothDatabases } from "../testing/bothDatabases.ts";

/** The cache's counter for `outcome` on the server at `url`, read from its /metrics. */
async function cacheCount(url: string, outcome: "hit" | "miss" | "skip"): Promise<number> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  const line = text.split("\n").find((l) => l.startsWith(`dvpn_indexer_result_cache_total{outcome="${outcome}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

/** The raw answer text (what a client receives) of `query`. */
async function answer(url: string, query: string): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return res.text();
}

describe("the answer cache", () => {
  let chain: TestChain;
  let targets: BothDatabases;
  /** A read-only server without the cache over the PostgreSQL target's database. */
  let uncached: Indexer;
  let providers: Address[] = [];
  let registry: Address;

  const queries = () => [
    `{ provider(id: "${providers[0]}") { id pricePerGiB pricePerMinute reputation { score uptime24h } availability { available lastHeartbeat } } }`,
    `{ providers(orderBy: pricePerGiB, orderDirection: desc, first: 2) { items { id pricePerGiB } totalCount pageInfo { hasNextPage endCursor } } }`,
    `{ networkStats { providers providersOnline totalStake byRegion { region providers } } }`,
  ];

  before(async () => {
    chain = await startTestChain({ fund: 3 });
    providers = chain.accounts.slice(1, 4);
    registry = chain.deployment.contracts.ProviderRegistry.address;
    for (const [i, p] of providers.entries()) {
      const key = `0x${String(i + 1)
        .padStart(2, "0")
        .repeat(32)}`;
      await chain.send(p, registry, providerRegistryAbi, "register", [
        `10.0.0.${i + 1}:51820`,
        key,
        stringToHex("DE", { size: 2 }),
        BigInt(i + 1),
        1n,
        5,
        DVPN(1000),
      ]);
    }
    targets = await indexOnBothDatabases(chain);
    uncached = createIndexer({
      rpcUrl: chain.url,
      deployment: chain.deployment,
      databaseUrl: targets.postgresUrl,
      port: 0,
      logLevel: "silent",
      readOnly: true,
      resultCacheMiB: 0,
    });
    await uncached.start();
  });

  after(async () => {
    await uncached?.stop();
    await targets?.stop();
    await chain?.stop();
  });

  for (const which of DATABASE_TARGETS) {
    test(`${which}: a repeated query is answered from the cache, byte for byte as without it`, async () => {
      const url = targets.urls[which];
      for (const q of queries()) {
        const hits = await cacheCount(url, "hit");
        const first = await answer(url, q);
        const second = await answer(url, q);
        assert.equal(second, first);
        assert.ok(!first.includes('"errors"'), first);
        assert.equal(await answer(uncached.url, q), first, "the same answer as a server without the cache");
        assert.ok((await cacheCount(url, "hit")) > hits, `${which}: the repeated query was a cache hit`);
      }
    });
  }

  test("a change is served once its block is indexed, not the kept answer", async () => {
    const q = `{ provider(id: "${providers[1]}") { pricePerGiB } }`;
    for (const which of DATABASE_TARGETS) {
      const before = JSON.parse(await answer(targets.urls[which], q));
      assert.equal(before.data.provider.pricePerGiB, "2");
      await answer(targets.urls[which], q); // kept now
    }
    await chain.send(providers[1]!, registry, providerRegistryAbi, "setPrices", [77n, 1n]);
    const head = await chain.latest();
    for (const which of DATABASE_TARGETS) {
      const url = targets.urls[which];
      // `_meta` reads the same server checkpoint the cache keys its answers by.
      await waitFor(
        `${which} indexed the price change`,
        async () => (await gql(url, "{ _meta { block { number } } }")).data?._meta.block?.number >= head.number,
      );
      assert.equal(JSON.parse(await answer(url, q)).data.provider.pricePerGiB, "77");
    }
  });

  test("answers with errors are never kept; _meta is kept on a primary; resultCacheMiB 0 keeps nothing", async () => {
    const url = targets.urls.PostgreSQL;
    const hits = await cacheCount(url, "hit");
    const skips = await cacheCount(url, "skip");
    for (let i = 0; i < 3; i++) {
      const bad = JSON.parse(await answer(url, `{ provider(id: "0x12") { id } }`));
      assert.ok(bad.errors?.length, JSON.stringify(bad));
    }
    assert.equal(await cacheCount(url, "hit"), hits, "no answer with errors came from the cache");
    assert.ok((await cacheCount(url, "skip")) >= skips + 3);
    // A primary has no replica lag: _meta is a function of the checkpoint like any answer.
    const meta = "{ _meta { replicaLagSeconds block { number } } }";
    const first = await answer(url, meta);
    assert.equal(JSON.parse(first).data._meta.replicaLagSeconds, null);
    assert.equal(await answer(url, meta), first);
    assert.equal(await cacheCount(url, "hit"), hits + 1);
    for (const q of queries()) {
      await answer(uncached.url, q);
      await answer(uncached.url, q);
    }
    assert.equal(await cacheCount(uncached.url, "hit"), 0);
    assert.equal(await cacheCount(uncached.url, "miss"), 0);
  });

  test("requests arriving together share one execution", async () => {
    const url = targets.urls.PostgreSQL;
    // A document not asked before (an alias makes it new), sent 20 times at once.
    const q = `{ fresh: networkStats { providers totalStake } }`;
    const misses = await cacheCount(url, "miss");
    const hits = await cacheCount(url, "hit");
    const answers = await Promise.all(Array.from({ length: 20 }, () => answer(url, q)));
    assert.equal(new Set(answers).size, 1, "every request got the same answer");
    assert.equal((await cacheCount(url, "miss")) - misses, 1, "one execution");
    assert.equal((await cacheCount(url, "hit")) - hits, 19);
  });
});
