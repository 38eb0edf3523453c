/**
 * Published exit policies in the feed: providers publish (and re-publish) on a hardhat node; the
 * feed, indexed into PGlite and into PostgreSQL, serves each policy and filters on ports
 * (`allowsPort`, `deniesPort`) as the SDK's own reading of the policy says it should.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { stringToHex, type Address } from "viem";
import { providerRegistryAbi } from "../../sdk/src/abi/index.ts";
import { exitPolicyAllowsPort, parseExitPolicy } from "../../sdk/src/exitPolicy/exitPolicy.ts";
import { DVPN, gql, startTestChain, type TestChain } from "../../test/kit/testChain.ts";
import { DATABASE_TARGETS, indexOnBothDatabases, type BothDatabases } from "./testing/bothDatabases.ts";

/** Final policy of each provider (the first one re-publishes, the last never publishes). */
const POLICIES = ["deny-ports=25,465;deny-ranges=10.0.0.0/8,fc00::/7", "allow-ports=80,443", "deny-ports=1-1024", ""];

describe("exit policies in the feed", () => {
  let chain: TestChain;
  let targets: BothDatabases;
  let providers: Address[] = [];

  before(async () => {
    chain = await startTestChain({ fund: POLICIES.length });
    providers = chain.accounts.slice(1, 1 + POLICIES.length);
    const registry = chain.deployment.contracts.ProviderRegistry.address;
    for (const [i, p] of providers.entries()) {
      const key = `0x${String(i + 1)
        .padStart(2, "0")
        .repeat(32)}`;
      await chain.send(p, registry, providerRegistryAbi, "register", [
        `10.0.0.${i + 1}:51820`,
        key,
        stringToHex("DE", { size: 2 }),
        1n,
        1n,
        5,
        DVPN(1000),
      ]);
    }
    await chain.send(providers[0]!, registry, providerRegistryAbi, "setExitPolicy", ["deny-ports=25"]);
    for (const [i, policy] of POLICIES.entries())
      if (policy !== "") await chain.send(providers[i]!, registry, providerRegistryAbi, "setExitPolicy", [policy]);
    targets = await indexOnBothDatabases(chain);
  });

  after(async () => {
    await targets?.stop();
    await chain?.stop();
  });

  const ids = async (url: string, where: string) => {
    const r = await gql(url, `{ providers(where: { ${where} }) { items { id } totalCount } }`);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const items = (r.data.providers.items as { id: string }[]).map((p) => p.id).sort();
    assert.equal(r.data.providers.totalCount, items.length);
    return items;
  };

  for (const which of DATABASE_TARGETS) {
    const url = () => targets.urls[which];
    test(`${which}: every provider's latest published policy, parsed`, async () => {
      for (const [i, id] of providers.entries()) {
        const r = await gql(
          url(),
          `{ provider(id: "${id}") { exitPolicy { text denyPorts { from to } allowPorts { from to } denyRanges allowRanges wellFormed } } }`,
        );
        const want = parseExitPolicy(POLICIES[i]!);
        assert.deepEqual(r.data.provider.exitPolicy, { text: POLICIES[i], ...want, wellFormed: true });
      }
    });

    test(`${which}: allowsPort / deniesPort select what the policies say, and a bad port is refused`, async () => {
      for (const port of [25, 80, 443, 465, 8080]) {
        const allowing = providers.filter((_, i) => exitPolicyAllowsPort(parseExitPolicy(POLICIES[i]!), port));
        assert.deepEqual(await ids(url(), `allowsPort: ${port}`), [...allowing].sort(), `allowsPort ${port}`);
        const denying = providers.filter((p) => !allowing.includes(p));
        assert.deepEqual(await ids(url(), `deniesPort: ${port}`), [...denying].sort(), `deniesPort ${port}`);
      }
      assert.deepEqual(await ids(url(), "allowsPort: 443, deniesPort: 25"), [providers[0]!, providers[1]!].sort());
      const bad = await gql(url(), "{ providers(where: { allowsPort: 0 }) { totalCount } }");
      assert.match(bad.errors?.[0]?.message ?? "", /allowsPort must be a port from 1 to 65535/);
    });
  }
});
