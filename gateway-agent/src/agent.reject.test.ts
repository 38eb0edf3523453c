/**
 * Sessions the agent cannot serve are rejected on chain at once (the client's deposit returns)
 * instead of waiting out the accept deadline: a session refused for capacity, and one whose
 * accept reverts with RegistryAtCapacity (its provisioned peer is removed). Mock data plane and chain.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createGatewayAgent, type GatewayAgent } from "./agent.ts";
import { createMockChain } from "./testing/mockChain.ts";
import { createMockBackend } from "./wireguard/mock.ts";
import { mockAgentConfig } from "./testing/mockConfig.ts";

const key = generatePrivateKey();
const provider = privateKeyToAccount(key).address;
const signer = privateKeyToAccount(generatePrivateKey()).address;
const keyHex = (n: number) => `0x${n.toString(16).padStart(2, "0").repeat(32)}` as Hex;
const keyB64 = (n: number) => Buffer.from(keyHex(n).slice(2), "hex").toString("base64");
const now = () => 1_000_000;
const chain = createMockChain(provider, now);
const backend = createMockBackend("dvpn-mock", now);
const lines: { msg: string; sessionId?: string; reason?: string }[] = [];
const logger = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
let dir: string;
let agent: GatewayAgent;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "agent-reject-"));
  agent = createGatewayAgent(
    {
      ...mockAgentConfig({ privateKey: key, dataDir: dir }),
      confirmations: 0,
      maxPeers: 1,
    },
    { backend, chain, logger, now },
  );
  await agent.start();
});

after(async () => {
  await agent.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const calls = (fn: string) => chain.calls.filter((c) => c.fn === fn).map((c) => c.args);

test("a session refused for capacity is rejected on chain, logged and counted", async () => {
  const first = chain.open({ wgPublicKey: keyHex(1), signer });
  const second = chain.open({ wgPublicKey: keyHex(2), signer });
  await agent.tick();
  assert.equal(chain.sessions.get(first)?.status, "Active");
  assert.deepEqual(calls("rejectSession"), [[second, "capacity"]]);
  assert.equal(chain.sessions.get(second)?.status, "Closed");
  assert.equal(agent.session(second)?.status, "closed");
  assert.equal(agent.session(second)?.reason, "rejected:capacity");
  assert.ok(!backend.peers.has(keyB64(2)));
  assert.ok(lines.some((l) => l.msg.startsWith("session rejected") && l.sessionId === String(second)));
  assert.equal(agent.metrics.get("dvpn_agent_sessions_rejected_total", { reason: "capacity" }), 1);
  await agent.tick(); // rejected once, not again
  assert.equal(calls("rejectSession").length, 1);
});

test("a refusal no longer pending on chain is tried once, not every pass", async () => {
  const id = chain.open({ wgPublicKey: keyHex(4), signer });
  chain.sessions.get(id)!.status = "Closed"; // e.g. cancelled, its event not yet read
  await agent.tick();
  await agent.tick();
  assert.equal(calls("rejectSession").filter(([s]) => s === id).length, 1);
  assert.equal(agent.session(id)?.reason, "capacity:not-pending");
});

test("an accept reverting with RegistryAtCapacity rejects the session and removes its peer", async () => {
  // Free the agent's one slot: the client closes the first session and it settles.
  chain.clientClose(1n, 0);
  await agent.tick();
  chain.full = true;
  const id = chain.open({ wgPublicKey: keyHex(3), signer });
  await agent.tick();
  assert.deepEqual(calls("acceptSession").at(-1), [id, agent.session(id)?.tunnelAddress]);
  assert.deepEqual(calls("rejectSession").at(-1), [id, "provider-full"]);
  assert.equal(chain.sessions.get(id)?.status, "Closed");
  assert.equal(agent.session(id)?.reason, "rejected:provider-full");
  assert.ok(!backend.peers.has(keyB64(3)), "provisioned peer removed");
  assert.equal(agent.metrics.get("dvpn_agent_sessions_rejected_total", { reason: "provider-full" }), 1);
  assert.ok(lines.some((l) => l.reason === "provider-full" && l.sessionId === String(id)));
});
