/**
 * The agent's default pools: derived from the provider's account on a new store; an upgraded
 * store whose live session came from the old default (10.77.0.0/16) keeps that pool, so the
 * session is not renumbered. Mock data plane and chain.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createGatewayAgent } from "./agent.ts";
import { derivePools, LEGACY_POOLS } from "./addresses/derivePool.ts";
import { createMockChain } from "./testing/mockChain.ts";
import { createMockBackend } from "./wireguard/mock.ts";
import { mockAgentConfig } from "./testing/mockConfig.ts";

const key = generatePrivateKey();
const provider = privateKeyToAccount(key).address;
const signer = privateKeyToAccount(generatePrivateKey());
const root = mkdtempSync(join(tmpdir(), "agent-pools-"));
after(() => rmSync(root, { recursive: true, force: true }));
const now = () => 1_000_000;

const makeAgent = (
  chain: ReturnType<typeof createMockChain>,
  dataDir: string,
  pools: { ipv4Pool?: string; ipv6Pool?: string },
) => {
  // The mock config names pools; these tests use the defaults unless told.
  const { ipv4Pool: _v4, ipv6Pool: _v6, ...base } = mockAgentConfig({ privateKey: key, dataDir });
  void [_v4, _v6];
  return createGatewayAgent(
    { ...base, ...pools, metricsListen: "", confirmations: 0 },
    { backend: createMockBackend("dvpn-mock", now), chain, logger: pino({ level: "silent" }), now },
  );
};

test("a new store hands out addresses from the pools derived from the provider's account", async () => {
  const chain = createMockChain(provider, now);
  const agent = makeAgent(chain, join(root, "fresh"), {});
  const derived = derivePools(provider);
  assert.equal(agent.config.ipv4Pool, derived.ipv4Pool);
  assert.equal(agent.config.ipv6Pool, derived.ipv6Pool);
  await agent.start();
  const id = chain.open({ wgPublicKey: `0x${"06".repeat(32)}` as Hex, signer: signer.address });
  await agent.tick();
  const v4 = derived.ipv4Pool.replace(/0\.0\/16$/, "0.2/16");
  const v6 = derived.ipv6Pool.replace(/::\/64$/, "::2/64");
  assert.equal(agent.session(id)?.tunnelAddress, `${v4},${v6}`);
  assert.equal(agent.store.getMeta("ipv4Pool"), derived.ipv4Pool);
  await agent.stop();
});

test("an upgraded store keeps the old default pool while a session holds an address from it", async () => {
  const dataDir = join(root, "upgraded");
  // The agent before the upgrade: every agent used 10.77.0.0/16 and fd77:dead:beef::/64.
  const chain = createMockChain(provider, now);
  const before = makeAgent(chain, dataDir, LEGACY_POOLS);
  await before.start();
  const id = chain.open({ wgPublicKey: `0x${"07".repeat(32)}` as Hex, signer: signer.address });
  await before.tick();
  const given = before.session(id)?.tunnelAddress;
  assert.equal(given, "10.77.0.2/16,fd77:dead:beef::2/64");
  await before.stop();
  // It recorded nothing about pools.
  const db = new DatabaseSync(join(dataDir, "agent.sqlite"));
  db.exec("DELETE FROM meta WHERE key IN ('ipv4Pool', 'ipv6Pool')");
  db.close();

  // The upgraded agent, with the defaults: the live session keeps its address and its gateway.
  const after = makeAgent(chain, dataDir, {});
  assert.equal(after.config.ipv4Pool, LEGACY_POOLS.ipv4Pool);
  assert.equal(after.config.ipv6Pool, LEGACY_POOLS.ipv6Pool);
  assert.notEqual(after.config.ipv4Pool, derivePools(provider).ipv4Pool);
  await after.start();
  await after.tick();
  assert.equal(after.session(id)?.tunnelAddress, given);
  assert.deepEqual(after.session(id)?.allowedIps, ["10.77.0.2/32", "fd77:dead:beef::2/128"]);
  await after.stop();
});
