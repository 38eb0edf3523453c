/**
 * Published transport offers in the feed: providers publish, re-publish and withdraw offers on a
 * hardhat node; the feed, indexed into PGlite and into PostgreSQL, serves each provider's latest
 * offer and filters on its kind (`transport: v2ray` / `none`).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { stringToHex, type Address, type Hex } from "viem";
import { providerRegistryAbi } from "../../sdk/src/abi/index.ts";
import { bytes16ToClientId } from "../../sdk/src/transport/offer.ts";
import { DVPN, gql, startTestChain, type TestChain } from "../../test/kit/testChain.ts";
import { DATABASE_TARGETS, indexOnBothDatabases, type BothDatabases } from "./testing/bothDatabases.ts";

const cert = (n: number): Hex => `0x${n.toString(16).padStart(2, "0").repeat(32)}`;
const id = (n: number): Hex => `0x${n.toString(16).padStart(2, "0").repeat(16)}`;

describe("transport offers in the feed", () => {
  let chain: TestChain;
  let targets: BothDatabases;
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
    targets = await indexOnBothDatabases(chain);
  });

  after(async () => {
    await targets?.stop();
    await chain?.stop();
  });

  const ids = async (url: string, where: string) => {
    const r = await gql(url, `{ providers(where: { ${where} }) { items { id } totalCount } }`);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return (r.data.providers.items as { id: string }[]).map((p) => p.id).sort();
  };

  for (const which of DATABASE_TARGETS) {
    test(`${which}: each provider's latest offer, and the transport filter`, async () => {
      const offers = [];
      for (const p of providers) {
        const r = await gql(
          targets.urls[which],
          `{ provider(id: "${p}") { transport { kind port certSha256 clientId } } }`,
        );
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
        offers.push(r.data.provider.transport);
      }
      assert.deepEqual(offers, [
        { kind: "v2ray", port: 443, certSha256: cert(2), clientId: bytes16ToClientId(id(2)) },
        null,
        null,
      ]);
      assert.deepEqual(await ids(targets.urls[which], "transport: v2ray"), [providers[0]!]);
      assert.deepEqual(await ids(targets.urls[which], "transport: none"), [providers[1]!, providers[2]!].sort());
      const bad = await gql(targets.urls[which], "{ providers(where: { transport: obfs4 }) { totalCount } }");
      assert.match(bad.errors?.[0]?.message ?? "", /obfs4/);
    });
  }
});
