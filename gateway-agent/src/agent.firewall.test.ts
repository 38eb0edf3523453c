/**
 * The agent's use of its nftables table on the mock data plane and chain: the table is ensured
 * when the interface is made ready and on every reconcile pass (writes and failures counted,
 * metering going on when nft fails), `/policy` shows what is in force, and bad exit-policy
 * options are refused at start with their flag and variable names. The table itself is tested
 * on real nftables in `firewall/nftables.integration.test.ts`.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createGatewayAgent } from "./agent.ts";
import { ConfigError, WgCommandError } from "./errors.ts";
import type { Firewall } from "./firewall/nftables.ts";
import { createMockChain } from "./testing/mockChain.ts";
import { createMockBackend } from "./wireguard/mock.ts";
import { mockAgentConfig } from "./testing/mockConfig.ts";

const key = generatePrivateKey();
const provider = privateKeyToAccount(key).address;
const dir = mkdtempSync(join(tmpdir(), "agent-fw-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  ...mockAgentConfig({ privateKey: key, dataDir: dir }),
  metricsListen: "127.0.0.1:0",
};

test("the table is ensured at start and on every reconcile; a failing nft does not stop metering", async () => {
  let calls = 0;
  let fail = false;
  let drifted = false;
  const firewall: Firewall = {
    table: "dvpn_dvpn-mock",
    script: "",
    async ensure() {
      calls++;
      if (fail) throw new Error("nft: command not found");
      const wrote = calls === 1 || drifted;
      drifted = false;
      return wrote;
    },
    async remove() {},
  };
  const now = () => 1_000_000;
  const agent = createGatewayAgent(
    { ...base, firewall: true, exitDenyPorts: "25,6881-6889", peerRateLimitMbit: 50 },
    {
      backend: createMockBackend("dvpn-mock", now),
      chain: createMockChain(provider, now),
      firewall,
      logger: pino({ level: "silent" }),
      now,
    },
  );
  await agent.start();
  try {
    assert.ok(calls >= 2, "ensured with the interface and on the first reconcile");
    assert.equal(agent.metrics.get("dvpn_agent_firewall_writes_total"), 1);
    drifted = true;
    await agent.reconcile();
    assert.equal(agent.metrics.get("dvpn_agent_firewall_writes_total"), 2);
    fail = true;
    const before = agent.metrics.get("dvpn_agent_reconciles_total");
    await agent.reconcile();
    assert.equal(agent.metrics.get("dvpn_agent_firewall_errors_total"), 1);
    assert.equal(agent.metrics.get("dvpn_agent_reconciles_total"), before + 1);
    const policy = (await (await fetch(`${agent.urls().metrics}/policy`)).json()) as Record<string, unknown>;
    assert.deepEqual(policy, {
      firewall: true,
      nftTable: "dvpn_dvpn-mock",
      exitPolicy:
        "deny-ports=25,6881-6889;deny-ranges=10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,169.254.0.0/16,fc00::/7,fe80::/10",
      peerRateLimitMbit: 50,
      peerMaxConnections: 1024,
    });
  } finally {
    await agent.stop();
  }
});

test("a table nft refuses at start stops the start with nft's message", async () => {
  const now = () => 1_000_000;
  const firewall: Firewall = {
    table: "dvpn_dvpn-mock",
    script: "",
    ensure: () =>
      Promise.reject(
        new WgCommandError(
          "nft refused the agent's table dvpn_dvpn-mock (is the nftables package installed?): spawn nft ENOENT",
        ),
      ),
    async remove() {},
  };
  const agent = createGatewayAgent(
    { ...base, dataDir: join(dir, "fails"), firewall: true },
    {
      backend: createMockBackend("dvpn-mock", now),
      chain: createMockChain(provider, now),
      firewall,
      logger: pino({ level: "silent" }),
      now,
    },
  );
  await assert.rejects(agent.start(), /is the nftables package installed/);
  await agent.stop();
});

test("bad exit-policy and limit options are refused at start, naming the flag and variable", () => {
  assert.throws(
    () => createGatewayAgent({ ...base, exitDenyPorts: "25,99999", exitDenyRanges: "10.0.0.0/40", uplink: "-x" }),
    (err: Error) =>
      err instanceof ConfigError &&
      /exitDenyPorts: "99999" is not a port.*--exit-deny-ports, env DVPN_AGENT_EXIT_DENY_PORTS/.test(err.message) &&
      /exitDenyRanges: "10.0.0.0\/40" is not an address range/.test(err.message) &&
      /uplink: must be an interface name/.test(err.message),
  );
});
