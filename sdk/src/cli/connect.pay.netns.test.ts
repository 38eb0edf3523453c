/**
 * `dvpn connect --up` paying a full-speed transfer, as users run it: a `hardhat node`, the real
 * gateway agent (default voucher lag tolerance, 1 MiB + 5 %) with wireguard-go in a provider
 * namespace, the CLI in a client namespace, and iperf3 downloading from the provider's gateway
 * through the tunnel for 12 s. The agent must not cut the session, and what the client signed
 * must stay within the agent's tolerance of its meter on one side and within the client's credit
 * of its own counter on the other. Then Ctrl-C: a last voucher, the tunnel down, the session
 * closed and settled, and the money said.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { defineChain, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createTopology, dataPlaneUnavailableReason, TOPOLOGY, type Topology } from "../../../scripts/lib/netns.ts";
import { startAgentService, type AgentService } from "../../../scripts/demo/services.ts";
import { createDvpnClient } from "../client/createDvpnClient.ts";
import { generateWgKeyPair } from "../wireguard/keys.ts";
import { priceUsage } from "../vouchers/usage.ts";
import { creditCap, DEFAULT_CREDIT_POLICY } from "../tunnel/paymentPlan.ts";
import { startCliChain, type CliChain } from "../../test/cliChain.ts";
import { routeClientToHost } from "../../test/clientUplink.ts";

const root = join(import.meta.dirname, "../../..");
const unavailable =
  (await dataPlaneUnavailableReason()) ??
  (await import("node:child_process")
    .then(({ execFileSync }) => execFileSync("sh", ["-c", "command -v iperf3"]))
    .then(
      () => undefined,
      () => "iperf3 is missing (apt-get install -y iperf3)",
    ));
const TRANSFER_SECONDS = 12;
const TOLERANCE = { bytes: 1n << 20n, percent: 5 };

interface AgentSessionRow {
  sessionId: string;
  status: string;
  cutReason: string | null;
  meteredBytes: string;
  voucherBytes: string;
}

describe("dvpn connect --up pays a full-speed transfer (real agent, network namespaces)", { skip: unavailable }, () => {
  let topo: Topology;
  let chain: CliChain;
  let agent: AgentService | undefined;
  let dir: string;
  const tag = `sp${process.pid % 100000}`;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dvpn-pay-"));
    topo = await createTopology(tag);
    try {
      chain = await startCliChain({ users: 2, hostname: topo.hostAddress });
      await routeClientToHost(topo, tag);
    } catch (err) {
      await topo.destroy();
      await chain?.stop();
      throw err;
    }
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await agent?.stop();
    await topo?.destroy();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is never cut by the agent and pays within the agent's tolerance and the client's credit", async () => {
    const viemChain = defineChain({
      id: 31337,
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    });
    const provider = createDvpnClient({
      chain: viemChain,
      transport: http(chain.url),
      account: privateKeyToAccount(chain.keys[0]!),
      deployment: chain.deployment,
      pollingInterval: 50,
    });
    const gw = generateWgKeyPair();
    const wgKeyFile = join(dir, "wg.key");
    writeFileSync(wgKeyFile, gw.privateKey + "\n", { mode: 0o600 });
    await provider.registerProvider({
      endpoint: `${TOPOLOGY.providerToClient}:51820`,
      wgPublicKey: gw.publicKey,
      region: "DE",
      pricePerGiB: 50_000n,
      pricePerMinute: 100n,
      maxSessions: 4,
      stake: 1_000n * 10n ** 18n,
    });
    agent = await startAgentService({
      topology: topo,
      rpcUrl: chain.url,
      deploymentFile: join(chain.dir, "31337.json"),
      providerKeyFile: chain.keyFiles[0]!,
      wgPrivateKeyFile: wgKeyFile,
      iface: `dv${tag}w`,
      dataDir: join(dir, "agent"),
      lagTolerance: TOLERANCE,
    });
    const agentSessions = async (): Promise<AgentSessionRow[]> => {
      const res = await fetch(agent!.metricsUrl.replace(/metrics$/, "sessions"), { signal: AbortSignal.timeout(5000) });
      return ((await res.json()) as { sessions: AgentSessionRow[] }).sessions;
    };

    const configPath = join(dir, `dv${tag}c.conf`);
    const cli = topo.spawn(
      topo.client,
      "bash",
      [
        join(root, "bin/dvpn"),
        "connect",
        "--provider",
        provider.account!.address,
        "--max-price-gib",
        "0.05",
        "--deposit",
        "5",
        "--up",
        "--allowed-ips",
        "10.77.0.0/16",
        "--dns",
        "none",
        "--config",
        configPath,
        "--json",
      ],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          DVPN_RPC_URL: chain.url,
          DVPN_DEPLOYMENTS_DIR: chain.dir,
          DVPN_PRIVATE_KEY: chain.keys[1]!,
        },
      },
    );
    children.push(cli);
    let stdout = "";
    let stderr = "";
    cli.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    cli.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => cli.on("close", resolve));

    for (const deadline = Date.now() + 90_000; !/tunnel \S+ up/.test(stderr);) {
      assert.ok(Date.now() < deadline && cli.exitCode === null, `the tunnel did not come up; CLI stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Full speed, provider → client (the agent's meter runs ahead of the client's counter by what is lost).
    const server = topo.spawn(topo.provider, "iperf3", ["-s", "-1", "-B", "10.77.0.1", "-p", "5201"]);
    children.push(server);
    await new Promise((r) => setTimeout(r, 300));
    const iperf = JSON.parse(
      await topo.run(topo.client, "iperf3", [
        "-c",
        "10.77.0.1",
        "-p",
        "5201",
        "-R",
        "-t",
        String(TRANSFER_SECONDS),
        "-J",
      ]),
    ) as { end: { sum_received: { bytes: number; bits_per_second: number } } };
    const received = BigInt(iperf.end.sum_received.bytes);
    process.stderr.write(
      `iperf3: ${received} bytes received at ${(iperf.end.sum_received.bits_per_second / 1e6).toFixed(0)} Mbit/s\n`,
    );

    // Let the agent meter once more (it reconciles every second here), then look at the session.
    await new Promise((r) => setTimeout(r, 1_500));
    const [row] = await agentSessions();
    assert.ok(row, `the agent has no open session; CLI stderr: ${stderr}`);
    assert.equal(row.cutReason, null, `the agent cut the session: ${JSON.stringify(row)}`);
    assert.equal(cli.exitCode, null, `the CLI stopped: ${stderr}`);
    const metered = BigInt(row.meteredBytes);
    const signed = BigInt(row.voucherBytes);
    assert.ok(metered > received, `the agent metered ${metered} bytes for ${received} received`);
    const tolerance = TOLERANCE.bytes + (metered * BigInt(TOLERANCE.percent * 100)) / 10_000n;
    assert.ok(signed >= metered - tolerance, `signed ${signed} trails the meter ${metered} by more than ${tolerance}`);

    cli.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise((r) => (timer = setTimeout(() => r("timeout"), 30_000))),
    ]).finally(() => clearTimeout(timer));
    assert.equal(code, 0, `exit ${String(code)}; stderr: ${stderr}`);
    const out = JSON.parse(stdout) as {
      ended: string;
      sessionId: string;
      usage: { bytes: string; seconds: string };
      counter: string;
      money: string;
    };
    assert.equal(out.ended, "stopped");
    assert.match(stderr, /closing: interrupted/);
    const counter = BigInt(out.counter);
    const finalBytes = BigInt(out.usage.bytes);
    // The client's worst case: never more than its credit beyond its own counter.
    assert.ok(counter >= received, `client counter ${counter} below the ${received} bytes iperf3 received`);
    assert.ok(finalBytes <= creditCap(counter, DEFAULT_CREDIT_POLICY), `signed ${finalBytes} over the credit cap`);
    assert.ok(finalBytes >= signed);

    // The client closed; the agent settles at once with the best voucher it holds.
    const sessionId = BigInt(out.sessionId);
    let s = await provider.getSession({ sessionId });
    for (const deadline = Date.now() + 30_000; s.status !== "Closed" && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 250));
      s = await provider.getSession({ sessionId });
    }
    assert.equal(
      s.status,
      "Closed",
      `session ${s.status}; agent log: ${readFileSync(join(dir, "agent/agent.log"), "utf8").slice(-2000)}`,
    );
    assert.equal(s.claimedBytes, finalBytes);
    assert.equal(s.paid, priceUsage(s, { bytes: s.claimedBytes, seconds: s.claimedSeconds }));
    assert.match(out.money, /^closed: /);
    process.stderr.write(
      `paid ${s.claimedBytes} bytes for an agent meter of ${metered} (before the last voucher) and a client counter of ${counter}: ` +
        `${((Number(s.claimedBytes) / Number(counter) - 1) * 100).toFixed(1)} % over the client's counter\n`,
    );
  });
});
