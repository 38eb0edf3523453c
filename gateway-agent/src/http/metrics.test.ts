/**
 * /metrics through prom-client on the mock data plane and chain: process and runtime metrics,
 * per-peer WireGuard counters (and the switch that turns them off), the reconcile histogram,
 * and earnings and claims after a claim is mined.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hashVoucherTerms, priceUsage, protocolFee, signUsageVoucher } from "../../../sdk/src/vouchers/usage.ts";
import { createGatewayAgent } from "../agent.ts";
import { createMockChain } from "../testing/mockChain.ts";
import { createMockBackend } from "../wireguard/mock.ts";
import { mockAgentConfig } from "../testing/mockConfig.ts";

const key = generatePrivateKey();
const provider = privateKeyToAccount(key).address;
const signer = privateKeyToAccount(generatePrivateKey());
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const wgKey = `0x${"07".repeat(32)}` as Hex;
const wgB64 = Buffer.from(wgKey.slice(2), "hex").toString("base64");

function makeAgent(metricsPerPeer: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "agent-metrics-"));
  dirs.push(dir);
  const now = () => 1_000_000;
  const chain = createMockChain(provider, now);
  const backend = createMockBackend("dvpn-mock", now);
  const agent = createGatewayAgent(
    {
      ...mockAgentConfig({ privateKey: key, dataDir: dir }),
      metricsListen: "127.0.0.1:0",
      confirmations: 0,
      claimEveryAmount: "1",
      metricsPerPeer,
    },
    { backend, chain, logger: pino({ level: "silent" }), now },
  );
  return { agent, chain, backend };
}

const scrape = async (url: string | undefined) => (await fetch(`${url}/metrics`)).text();
const value = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test("per-peer counters, runtime metrics, the reconcile histogram, earnings and claims", async () => {
  const { agent, chain, backend } = makeAgent(true);
  await agent.start();
  try {
    const id = chain.open({ wgPublicKey: wgKey, signer: signer.address, pricePerGiB: 50_000n, pricePerMinute: 600n });
    await agent.tick();
    backend.traffic(wgB64, 1000n, 250n);
    await agent.reconcile();
    const { deposit, pricePerGiB, pricePerMinute } = agent.session(id)!;
    const terms = hashVoucherTerms({ provider: chain.provider, deposit, pricePerGiB, pricePerMinute });
    const voucher = { sessionId: id, terms, bytes: 1n << 30n, seconds: 60n };
    const signature = await signUsageVoucher({
      account: signer,
      domain: { chainId: 31337, escrow: chain.escrow },
      voucher,
    });
    const body = JSON.stringify({ sessionId: `${id}`, bytes: `${voucher.bytes}`, seconds: "60", signature });
    const posted = await fetch(`${agent.urls().vouchers}/v1/vouchers`, { method: "POST", body });
    assert.equal(posted.status, 200);
    await agent.tick();
    assert.equal(chain.calls.filter((c) => c.fn === "claim").length, 1);

    const text = await scrape(agent.urls().metrics);
    const peer = `{device="dvpn-mock",public_key="${wgB64}",session_id="${id}"}`;
    assert.equal(value(text, `wireguard_peer_receive_bytes_total${peer}`), 1000);
    assert.equal(value(text, `wireguard_peer_transmit_bytes_total${peer}`), 250);
    assert.match(text, /^# TYPE wireguard_peer_receive_bytes_total counter$/m);
    assert.ok((value(text, "process_cpu_user_seconds_total") ?? 0) > 0, "process metrics");
    assert.match(text, /^nodejs_eventloop_lag_seconds /m, "runtime metrics");
    assert.ok((value(text, 'dvpn_agent_reconcile_duration_seconds_bucket{le="+Inf"}') ?? 0) >= 2);
    const s = agent.session(id)!;
    const gross = priceUsage(s, voucher);
    assert.equal(value(text, 'dvpn_agent_earned_base_units_total{kind="gross"}'), Number(gross));
    assert.equal(
      value(text, 'dvpn_agent_earned_base_units_total{kind="net"}'),
      Number(gross - protocolFee(gross, s.feeBps)),
    );
    assert.equal(value(text, "dvpn_agent_claimed_bytes_total"), 2 ** 30);
    assert.equal(value(text, 'dvpn_agent_claims_total{kind="claim"}'), 1);
  } finally {
    await agent.stop();
  }
});

test("metricsPerPeer: false leaves the per-peer series out", async () => {
  const { agent, chain, backend } = makeAgent(false);
  await agent.start();
  try {
    chain.open({ wgPublicKey: wgKey, signer: signer.address });
    await agent.tick();
    backend.traffic(wgB64, 1000n, 250n);
    await agent.reconcile();
    const text = await scrape(agent.urls().metrics);
    assert.doesNotMatch(text, /^wireguard_peer_/m);
    assert.equal(value(text, "dvpn_agent_peers"), 1);
  } finally {
    await agent.stop();
  }
});
