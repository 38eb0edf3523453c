/**
 * The agent against a real chain (`hardhat node`) and a real data plane (wireguard-go): the
 * provider side in the root namespace on an interface with a random name, a client in a
 * namespace of its own behind a veth pair, traffic through the tunnel to an HTTP server on the
 * gateway, vouchers posted through the tunnel, claims on-chain, a kill -9 of the agent, a
 * kill -9 of wireguard-go, and a client close. Skips (with the reason) only without root,
 * /dev/net/tun or wireguard-go.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createWalletClient,
  defineChain,
  http,
  parseEventLogs,
  parseUnits,
  type Account,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { dvpnTokenAbi, mockStablecoinAbi, providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import type { Deployment } from "../../sdk/src/deployment/types.ts";
import { readVoucherTerms, signUsageVoucher } from "../../sdk/src/vouchers/usage.ts";
import { deployProtocol } from "../../test/kit/deployment.ts";
import { freePort, startLocalChain, type LocalChain } from "../../test/kit/localChain.ts";
import { createNetLab, dataPlaneUnavailable, freeUdpPort, suffix, type NetLab } from "./testing/netns.ts";
import { runCommand } from "./wireguard/exec.ts";
import { ensureKeyFile } from "./wireguard/keyfile.ts";
import { wgKeyToBytes32 } from "../../sdk/src/wireguard/keys.ts";

const skip = dataPlaneUnavailable();
if (skip) console.log(`# gateway-agent integration test skipped: ${skip}`);

const root = join(import.meta.dirname, "../..");
const sfx = suffix();
const octet = 100 + Math.floor(Math.random() * 100);
const AGENT_IF = `dvp${sfx}`;
const CLIENT_IF = `dvc${sfx}`;
const NS = `dvns${sfx}`;
const VETH_A = `dva${sfx}`;
const VETH_B = `dvb${sfx}`;
const POOL = `10.${octet}.0.0/16`;
const POOL6 = `fd77:dead:${octet.toString(16)}::/64`;
const GATEWAY = `10.${octet}.0.1`;
const UPLINK_A = `172.31.${octet}.1`;
const UPLINK_B = `172.31.${octet}.2`;

let lab: NetLab;
let chain: LocalChain;
let dir: string;
let deployment: Deployment;
let agentChild: ChildProcess | undefined;
let agentLog = "";
let configFile: string;
let voucherPort: number;
let metricsPort: number;
let wgPort: number;
let content: Server;
let publicClient: PublicClient;
const providerKey = generatePrivateKey();
const providerAccount = privateKeyToAccount(providerKey);
const clientAccount = privateKeyToAccount(generatePrivateKey());
const signer = privateKeyToAccount(generatePrivateKey());
let clientWgPublic: string;
let clientKeyFile: string;

function wallet(account: Account, url: string, chainId: number): WalletClient<Transport, Chain, Account> {
  const c = defineChain({
    id: chainId,
    name: "local",
    nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  return createWalletClient({ account, chain: c, transport: http(url), pollingInterval: 50 });
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    const c = agentChild;
    if (c && c.exitCode !== null && c.signalCode === null) {
      throw new Error(`the agent exited (${c.exitCode}) while waiting for ${what}\n${agentLog.slice(-3000)}`);
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}\n${agentLog.slice(-3000)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function send(
  w: WalletClient<Transport, Chain, Account>,
  address: Hex,
  abi: readonly unknown[],
  functionName: string,
  args: unknown[],
) {
  const hash = await w.writeContract({
    address,
    abi: abi as never,
    functionName: functionName as never,
    args: args as never,
    account: w.account,
    chain: w.chain,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  assert.equal(receipt.status, "success", `${functionName} reverted`);
  return receipt;
}

function startAgent(): void {
  agentChild = spawn(process.execPath, [join(root, "gateway-agent/src/main.ts"), "--config", configFile], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (b: Buffer) => void (agentLog = (agentLog + b.toString()).slice(-200_000));
  agentChild.stdout?.on("data", keep);
  agentChild.stderr?.on("data", keep);
}

async function killAgent(): Promise<void> {
  const c = agentChild;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((r) => {
    c.once("exit", () => r());
    c.kill("SIGKILL");
  });
}

async function agentView(id: bigint): Promise<Record<string, string>> {
  const r = await fetch(`http://${GATEWAY}:${voucherPort}/v1/sessions/${id}`, { signal: AbortSignal.timeout(3000) });
  return (await r.json()) as Record<string, string>;
}

async function metric(name: string): Promise<number> {
  const text = await (
    await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(3000) })
  ).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(name))
    .reduce((acc, l) => acc + Number(l.split(" ").at(-1)), 0);
}

async function agentPeers(): Promise<string[]> {
  const dump = await runCommand("wg", ["show", AGENT_IF, "dump"]);
  return dump
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t")[0] ?? "");
}

/** Runs fetch() inside the client namespace (through the tunnel). */
async function clientFetch(
  url: string,
  init?: { method: string; body: string },
): Promise<{ status: number; text: string }> {
  const code = `fetch(process.argv[1], process.argv[2] ? JSON.parse(process.argv[2]) : undefined).then(async r => console.log(JSON.stringify({ status: r.status, text: await r.text() }))).catch(e => { console.error(String(e)); process.exit(1); })`;
  const args = [
    "-e",
    code,
    url,
    init ? JSON.stringify({ ...init, headers: { "content-type": "application/json" }, signal: undefined }) : "",
  ];
  const out = await lab.inNs(NS, process.execPath, args, { timeoutMs: 15_000 });
  return JSON.parse(out) as { status: number; text: string };
}

async function escrowSession(id: bigint) {
  return publicClient.readContract({
    address: deployment.contracts.SessionEscrow.address,
    abi: sessionEscrowAbi,
    functionName: "getSession",
    args: [id],
  });
}

async function signVoucherBody(id: bigint, bytes: bigint, seconds: bigint) {
  const signature = await signUsageVoucher({
    account: signer,
    domain: { chainId: deployment.chainId, escrow: deployment.contracts.SessionEscrow.address },
    voucher: {
      sessionId: id,
      terms: await readVoucherTerms(publicClient, deployment.contracts.SessionEscrow.address, id),
      bytes,
      seconds,
    },
  });
  return JSON.stringify({ sessionId: id.toString(), bytes: bytes.toString(), seconds: seconds.toString(), signature });
}

async function openSession(wgKeyBytes32: Hex): Promise<bigint> {
  const w = wallet(clientAccount, chain.url, deployment.chainId);
  const receipt = await send(w, deployment.contracts.SessionEscrow.address, sessionEscrowAbi, "openSession", [
    providerAccount.address,
    wgKeyBytes32,
    signer.address,
    parseUnits("5", 6),
    parseUnits("1", 6),
    1000n,
  ]);
  const [ev] = parseEventLogs({ abi: sessionEscrowAbi, logs: receipt.logs, eventName: "SessionOpened" });
  assert.ok(ev);
  return ev.args.sessionId;
}

before(async () => {
  if (skip) return;
  lab = createNetLab();
  dir = mkdtempSync(join(tmpdir(), "agent-int-"));
  chain = await startLocalChain({ timeoutMs: 90_000 });
  publicClient = chain.publicClient;
  const deployerAccount = privateKeyToAccount(generatePrivateKey());
  for (const a of [deployerAccount, providerAccount, clientAccount]) {
    await publicClient.request({
      method: "hardhat_setBalance" as never,
      params: [a.address, "0x56BC75E2D63100000"] as never,
    });
  }
  const deployer = wallet(deployerAccount, chain.url, chain.chainId);
  deployment = await deployProtocol({ publicClient, walletClient: deployer });
  const c = deployment.contracts;
  const stake = BigInt(deployment.parameters.registry.minStake);
  await send(deployer, c.DVPNToken.address, dvpnTokenAbi, "transfer", [providerAccount.address, stake]);
  await send(deployer, c.PaymentToken.address, mockStablecoinAbi, "mint", [
    clientAccount.address,
    parseUnits("100", 6),
  ]);
  const client = wallet(clientAccount, chain.url, chain.chainId);
  await send(client, c.PaymentToken.address, mockStablecoinAbi, "approve", [c.SessionEscrow.address, 2n ** 255n]);

  wgPort = await freeUdpPort();
  voucherPort = await freePort();
  metricsPort = await freePort();
  const wgKeyFile = join(dir, "agent", "wg.key");
  const agentWgPublic = ensureKeyFile(wgKeyFile).publicKey;
  const provider = wallet(providerAccount, chain.url, chain.chainId);
  await send(provider, c.DVPNToken.address, dvpnTokenAbi, "approve", [c.ProviderRegistry.address, stake]);
  await send(provider, c.ProviderRegistry.address, providerRegistryAbi, "register", [
    `${UPLINK_A}:${wgPort}`,
    wgKeyToBytes32(agentWgPublic),
    "0x4445",
    parseUnits("1", 6),
    1000n,
    10,
    stake,
  ]);

  // The agent's EVM key goes in by file (0600), never by flag.
  writeFileSync(join(dir, "provider.key"), `${providerKey}\n`, { mode: 0o600 });
  configFile = join(dir, "agent.json");
  writeFileSync(join(dir, "deployment.json"), JSON.stringify(deployment));
  writeFileSync(
    configFile,
    JSON.stringify({
      rpcUrl: chain.url,
      deployment: join(dir, "deployment.json"),
      privateKeyFile: join(dir, "provider.key"),
      dataDir: join(dir, "agent"),
      interface: AGENT_IF,
      wgListenPort: wgPort,
      backend: "userspace",
      ipv4Pool: POOL,
      ipv6Pool: POOL6,
      voucherListen: `gateway:${voucherPort}`,
      metricsListen: `127.0.0.1:${metricsPort}`,
      confirmations: 0,
      pollIntervalMs: 200,
      reconcileIntervalMs: 500,
      resyncIntervalMs: 2000,
      claimEveryAmount: "1",
      claimIntervalSeconds: 1,
      idleTimeoutSeconds: 0,
      lagToleranceBytes: String(64 << 20),
      lagToleranceSeconds: "3600",
      logLevel: "info",
    }),
  );
  lab.trackLink(AGENT_IF);
  await lab.addNs(NS);
  await lab.veth(VETH_A, VETH_B, NS, `${UPLINK_A}/30`, `${UPLINK_B}/30`);
  content = createServer((_req, res) => res.end("x".repeat(200_000)));
  await new Promise<void>((r) => content.listen(0, "0.0.0.0", () => r()));
  clientKeyFile = join(dir, "client.key");
  clientWgPublic = ensureKeyFile(clientKeyFile).publicKey;
});

after(async () => {
  if (skip) return;
  await killAgent();
  content?.close();
  let pid = 0;
  try {
    pid = Number(readFileSync(join(dir, "agent", `wireguard-go.${AGENT_IF}.pid`), "utf8").trim());
  } catch {
    /* never started */
  }
  await lab.cleanup();
  if (pid > 0) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* exited with its interface */
    }
  }
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test(
  "agent provisions, meters, gets paid, survives kill -9 of itself and of wireguard-go, and closes",
  { skip },
  async () => {
    startAgent();
    await until("the agent's interface", async () => (await agentPeers()) && true);

    // A client opens a session; the agent adds the peer and accepts with a tunnel address.
    const clientKey = wgKeyToBytes32(clientWgPublic);
    const id = await openSession(clientKey);
    const accepted = await until("acceptSession", async () =>
      (await escrowSession(id)).status === 2 ? true : undefined,
    );
    assert.ok(accepted);
    assert.ok((await agentPeers()).includes(clientWgPublic));
    const logs = await publicClient.getContractEvents({
      address: deployment.contracts.SessionEscrow.address,
      abi: sessionEscrowAbi,
      eventName: "SessionAccepted",
      fromBlock: 0n,
    });
    const tunnelAddress = logs.find((l) => l.args.sessionId === id)?.args.tunnelAddress ?? "";
    assert.match(tunnelAddress, new RegExp(`^10\\.${octet}\\.0\\.2/16,fd77:dead:${octet.toString(16)}::2/64$`));

    // The same key again while the first session is live: refused and rejected on chain, never accepted.
    const dup = await openSession(clientKey);

    // The client brings its tunnel up in its namespace.
    await lab.wireguardGo(CLIENT_IF, NS);
    const providerWg = (await runCommand("wg", ["show", AGENT_IF, "public-key"])).trim();
    await runCommand("wg", [
      "set",
      CLIENT_IF,
      "private-key",
      clientKeyFile,
      "peer",
      providerWg,
      "endpoint",
      `${UPLINK_A}:${wgPort}`,
      "allowed-ips",
      POOL,
      "persistent-keepalive",
      "1",
    ]);
    await lab.ip(["-n", NS, "address", "add", tunnelAddress.split(",")[0] ?? "", "dev", CLIENT_IF]);
    await lab.ip(["-n", NS, "link", "set", CLIENT_IF, "up"]);
    const contentUrl = `http://${GATEWAY}:${(content.address() as { port: number }).port}/`;
    const fetched = await until(
      "an HTTP fetch through the tunnel",
      async () => (await clientFetch(contentUrl)).text.length === 200_000,
    );
    assert.ok(fetched);

    // The agent meters it; the client signs what it is charged and posts it through the tunnel.
    const view = await until("metering", async () => {
      const v = await agentView(id);
      return BigInt(v.meteredBytes ?? "0") >= 200_000n ? v : undefined;
    });
    const own = await clientFetch(`http://${GATEWAY}:${voucherPort}/v1/sessions/${id}`);
    assert.equal(own.status, 200, "a client reads its own session through the tunnel");
    const v1 = { bytes: BigInt(view.meteredBytes ?? "0"), seconds: BigInt(view.meteredSeconds ?? "0") + 1n };
    const posted = await clientFetch(`http://${GATEWAY}:${voucherPort}/v1/vouchers`, {
      method: "POST",
      body: await signVoucherBody(id, v1.bytes, v1.seconds),
    });
    assert.equal(posted.status, 200, posted.text);
    // A voucher signed by someone else, and a replay, are refused.
    const forged = JSON.parse(await signVoucherBody(id, v1.bytes + 5n, v1.seconds)) as Record<string, string>;
    forged.signature = (await signUsageVoucher({
      account: clientAccount,
      domain: { chainId: deployment.chainId, escrow: deployment.contracts.SessionEscrow.address },
      voucher: {
        sessionId: id,
        terms: await readVoucherTerms(publicClient, deployment.contracts.SessionEscrow.address, id),
        bytes: v1.bytes + 5n,
        seconds: v1.seconds,
      },
    })) as string;
    assert.equal(
      (await fetch(`http://${GATEWAY}:${voucherPort}/v1/vouchers`, { method: "POST", body: JSON.stringify(forged) }))
        .status,
      403,
    );
    assert.equal(
      (
        await fetch(`http://${GATEWAY}:${voucherPort}/v1/vouchers`, {
          method: "POST",
          body: await signVoucherBody(id, v1.bytes, v1.seconds),
        })
      ).status,
      409,
    );

    // It claims on-chain: the escrow's claimedBytes and the provider's balance move.
    await until("the claim", async () => (await escrowSession(id)).claimedBytes === v1.bytes);
    const paid = await publicClient.readContract({
      address: deployment.contracts.PaymentToken.address,
      abi: mockStablecoinAbi,
      functionName: "balanceOf",
      args: [providerAccount.address],
    });
    assert.ok(paid > 0n, "provider was paid");
    // The duplicate-key session is rejected on chain (its deposit returns at once), never accepted.
    await until("the duplicate-key session rejected", async () => (await escrowSession(dup)).status === 4);
    const acceptedIds = (
      await publicClient.getContractEvents({
        address: deployment.contracts.SessionEscrow.address,
        abi: sessionEscrowAbi,
        eventName: "SessionAccepted",
        fromBlock: 0n,
      })
    ).map((l) => l.args.sessionId);
    assert.ok(!acceptedIds.includes(dup), "the duplicate-key session was accepted");
    const beats = await publicClient.getContractEvents({
      address: deployment.contracts.ProviderRegistry.address,
      abi: providerRegistryAbi,
      eventName: "Heartbeat",
      fromBlock: 0n,
      args: { provider: providerAccount.address },
    });
    assert.ok(beats.length >= 1, "the agent heartbeats the registry");
    assert.match(agentLog, /"reason":"duplicate-key"/);

    // kill -9 the agent: the peer stays; traffic while it is down is still counted after restart.
    const before9 = BigInt((await agentView(id)).meteredBytes ?? "0");
    await killAgent();
    assert.ok((await agentPeers()).includes(clientWgPublic), "peer survives the agent");
    assert.equal((await clientFetch(contentUrl)).text.length, 200_000);
    startAgent();
    const after9 = await until("the restarted agent", async () => {
      const v = BigInt((await agentView(id)).meteredBytes ?? "0");
      return v >= before9 + 200_000n ? v : undefined;
    });
    assert.ok(after9 >= before9 + 200_000n);
    const claimsAfterRestart = await publicClient.getContractEvents({
      address: deployment.contracts.SessionEscrow.address,
      abi: sessionEscrowAbi,
      eventName: "UsageClaimed",
      fromBlock: 0n,
      args: { sessionId: id },
    });
    assert.equal(claimsAfterRestart.length, 1, "nothing claimed twice");
    assert.equal(await metric("dvpn_agent_claim_failures_total"), 0);

    // kill -9 wireguard-go: the agent brings the interface and the peer back; counting goes on.
    const wgPid = Number(readFileSync(join(dir, "agent", `wireguard-go.${AGENT_IF}.pid`), "utf8").trim());
    process.kill(wgPid, "SIGKILL");
    await until("the interface restored with its peer", async () => (await agentPeers()).includes(clientWgPublic));
    // The client re-handshakes (as a client whose server restarted would).
    await runCommand("wg", ["set", CLIENT_IF, "peer", providerWg, "remove"]);
    await runCommand("wg", [
      "set",
      CLIENT_IF,
      "peer",
      providerWg,
      "endpoint",
      `${UPLINK_A}:${wgPort}`,
      "allowed-ips",
      POOL,
      "persistent-keepalive",
      "1",
    ]);
    const beforeReset = BigInt((await agentView(id)).meteredBytes ?? "0");
    await until("traffic after the restore", async () => (await clientFetch(contentUrl)).text.length === 200_000);
    const afterReset = await until("metering after the restore", async () => {
      const v = BigInt((await agentView(id)).meteredBytes ?? "0");
      return v >= beforeReset + 200_000n ? v : undefined;
    });
    assert.ok(afterReset >= beforeReset + 200_000n);
    assert.ok((await metric("dvpn_agent_interface_restores_total")) >= 1);

    // SIGTERM: a graceful stop leaves the interface and the live peer up; the next start adopts them.
    const metricsText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metricsText, /dvpn_agent_mode\{mode="userspace"\} 1/);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status, 200);
    const listed = (await (await fetch(`http://127.0.0.1:${metricsPort}/sessions`)).json()) as {
      sessions: { sessionId: string; peer: boolean; wgPublicKey: string }[];
    };
    assert.deepEqual(
      listed.sessions.map((x) => [x.sessionId, x.peer, x.wgPublicKey]),
      [[id.toString(), true, clientWgPublic]],
    );
    const stopping = agentChild!;
    const exitCode = await new Promise<number | null>((r) => {
      stopping.once("exit", (code) => r(code));
      stopping.kill("SIGTERM");
    });
    assert.equal(exitCode, 0);
    assert.ok((await agentPeers()).includes(clientWgPublic), "peer survives a graceful stop");
    startAgent();
    await until("the agent after a graceful restart", async () => (await agentView(id)).status === "active");

    // Final voucher, then the client closes: the agent removes the peer and claims within the window.
    const final = { bytes: afterReset, seconds: BigInt((await agentView(id)).meteredSeconds ?? "0") + 2n };
    const r = await fetch(`http://${GATEWAY}:${voucherPort}/v1/vouchers`, {
      method: "POST",
      body: await signVoucherBody(id, final.bytes, final.seconds),
    });
    assert.equal(r.status, 200);
    await send(
      wallet(clientAccount, chain.url, deployment.chainId),
      deployment.contracts.SessionEscrow.address,
      sessionEscrowAbi,
      "closeSession",
      [id],
    );
    await until("the peer removed", async () => !(await agentPeers()).includes(clientWgPublic));
    await until("the final claim", async () => (await escrowSession(id)).claimedBytes === final.bytes);
    const claims = await publicClient.getContractEvents({
      address: deployment.contracts.SessionEscrow.address,
      abi: sessionEscrowAbi,
      eventName: "UsageClaimed",
      fromBlock: 0n,
      args: { sessionId: id },
    });
    const totals = claims.map((c) => c.args.totalBytes);
    assert.equal(new Set(totals).size, totals.length, "no voucher claimed twice");
    assert.equal(await metric("dvpn_agent_claim_failures_total"), 0);
  },
);
