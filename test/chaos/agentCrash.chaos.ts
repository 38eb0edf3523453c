/**
 * The gateway agent under kill -9, on the real parts: a `hardhat node`, the agent as a child
 * process (`gateway-agent/src/main.ts --config …`, under the guard), wireguard-go on an interface
 * with a random name, and clients in network namespaces of their own with a wireguard-go tunnel
 * each, fetching bounded traffic through it and posting the vouchers the agent meters for them
 * through the tunnel, as a client does.
 *
 * At seeded random moments it kills the agent (and restarts it) and kills wireguard-go (the
 * agent restores the interface), count(3, 20) of each, interleaved; sometimes both at once.
 * After every recovery each live session's peer is on the interface with its tunnel address,
 * exactly one wireguard-go serves the interface, and the meter never went back. At the end the
 * clients close, the agent is killed once more while it settles, and the escrow's UsageClaimed
 * events must pay each session exactly its last accepted voucher (no (session, totals) twice,
 * nothing that is not a voucher), the provider's balance must be those claims minus fees, and no
 * wireguard-go process, namespace, interface or control socket may be left behind.
 * Run by `npm run chaos` (DVPN_CHAOS_MODE=short|full); not part of the everyday glob on its own.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { decodeEventLog, http, parseEventLogs, type Address, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  createNetLab,
  dataPlaneUnavailable,
  freeUdpPort,
  suffix,
  wireguardGoPids,
  type NetLab,
} from "../../gateway-agent/src/testing/netns.ts";
import { runCommand } from "../../gateway-agent/src/wireguard/exec.ts";
import { ensureKeyFile } from "../../gateway-agent/src/wireguard/keyfile.ts";
import { wgKeyToBytes32 } from "../../sdk/src/wireguard/keys.ts";
import { countPayments, type ClaimEvent } from "../kit/payments.ts";
import { DVPN, startTestChain, USD, type TestChain } from "../kit/testChain.ts";
import { freePort } from "../kit/localChain.ts";
import { mockStablecoinAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { readVoucherTerms, signUsageVoucher } from "../../sdk/src/vouchers/usage.ts";
import { createPrng } from "./prng.ts";
import { PRICE_PER_GIB, PRICE_PER_MINUTE, registerChaosProvider } from "./provider.ts";
import { count, record } from "./report.ts";

const SEED = Number(process.env.DVPN_CHAOS_SEED ?? 20261124);
const CATEGORY = "agent: kill -9 of agent and wireguard-go";
const root = join(import.meta.dirname, "../..");
const skip = dataPlaneUnavailable();
if (skip) console.log(`# agent crash chaos skipped: ${skip}`);

const DEPOSIT = USD(5);
const FETCH_BYTES = 100_000;
const CLOSED = 4;

const sfx = suffix();
// 10.200–249.0.0/16 and 172.30.x: apart from the integration test's and the demo's ranges.
const octet = 200 + Math.floor(Math.random() * 50);
const AGENT_IF = `dvk${sfx}`;
const POOL = `10.${octet}.0.0/16`;
const POOL6 = `fd77:dead:${(0xc000 + octet).toString(16)}::/64`;
const GATEWAY = `10.${octet}.0.1`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 100 ms until it returns a value, at most `ms`; the error names `what` and the last failure. */
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    }
    await sleep(100);
  }
}

/** The peers of `iface` (`wg show dump`): public key → allowed IPs. */
async function peersOf(iface: string, ns?: string): Promise<Map<string, string>> {
  const dump = ns
    ? await runCommand("ip", ["netns", "exec", ns, "wg", "show", iface, "dump"])
    : await runCommand("wg", ["show", iface, "dump"]);
  const peers = new Map<string, string>();
  for (const line of dump.trim().split("\n").slice(1)) {
    const f = line.split("\t");
    if (f[0]) peers.set(f[0], f[3] ?? "");
  }
  return peers;
}

/**
 * A process in a client namespace that makes HTTP requests there (through the tunnel): one JSON
 * request per line in, one JSON answer per line out. Short timeouts: a request into a dead
 * tunnel fails in seconds, and the client tries again.
 */
const WORKER = `
const rl = require("node:readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const req = JSON.parse(line);
  const init = req.body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: req.body };
  fetch(req.url, { ...init, signal: AbortSignal.timeout(3000) })
    .then(async (r) => ({ id: req.id, status: r.status, text: await r.text() }))
    .catch((e) => ({ id: req.id, error: String(e && e.message || e) }))
    .then((a) => process.stdout.write(JSON.stringify({ ...a, text: a.text && a.text.length > 2000 ? "#" + a.text.length : a.text }) + "\\n"));
});
`;

interface Worker {
  request(url: string, body?: string): Promise<{ status: number; text: string }>;
  stop(): void;
}

function startWorker(ns: string): Worker {
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", WORKER], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  const pending = new Map<number, (a: { status?: number; text?: string; error?: string }) => void>();
  let next = 1;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const a = JSON.parse(line) as { id: number; status?: number; text?: string; error?: string };
    pending.get(a.id)?.(a);
    pending.delete(a.id);
  });
  return {
    request(url, body) {
      return new Promise((resolve, reject) => {
        const id = next++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`no answer from the client worker for ${url}`));
        }, 10_000);
        pending.set(id, (a) => {
          clearTimeout(timer);
          if (a.error !== undefined || a.status === undefined) reject(new Error(a.error ?? "no status"));
          else resolve({ status: a.status, text: a.text ?? "" });
        });
        child.stdin!.write(JSON.stringify({ id, url, body }) + "\n");
      });
    },
    stop: () => void child.kill("SIGKILL"),
  };
}

interface Client {
  index: number;
  ns: string;
  iface: string;
  uplink: string;
  account: Address;
  keyFile: string;
  wgPublic: string;
  signer: LocalAccount;
  worker?: Worker;
  id: bigint;
  tunnelAddress: string;
  /** Vouchers the agent accepted (200), in order. */
  accepted: { bytes: bigint; seconds: bigint }[];
  maxMetered: bigint;
  closed: boolean;
  /** When the last fetch that went through started (ms). */
  servedAt: number;
}

describe("chaos: gateway agent under kill -9 of itself and of wireguard-go", { skip }, () => {
  let chain: TestChain;
  let lab: NetLab;
  let dir: string;
  let content: Server;
  let contentPort: number;
  let voucherPort: number;
  let metricsPort: number;
  let wgPort: number;
  let configFile: string;
  let guard: ChildProcess | undefined;
  /** Agent processes the test stops (kill -9, SIGTERM at teardown): any other exit is a crash. */
  const stopping = new WeakSet<ChildProcess>();
  /** Agents that exited on their own (code, signal and the log's tail): counted, not assumed. */
  const ownExits: string[] = [];
  let agentLog = "";
  let provider: LocalAccount;
  let agentWgPublic: string;
  const providerKey = generatePrivateKey();
  const rng = createPrng(SEED ^ 0x5eed);
  const clients: Client[] = [];
  const escrow = () => chain.deployment.contracts.SessionEscrow.address;

  /** Starts the agent under the guard (if this test dies, the agent stops too). */
  function startAgent(): void {
    const g = spawn(
      process.execPath,
      [
        join(root, "scripts/lib/guard.ts"),
        "--",
        process.execPath,
        join(root, "gateway-agent/src/main.ts"),
        "--config",
        configFile,
      ],
      { cwd: root, stdio: ["pipe", "pipe", "pipe"] },
    );
    const keep = (b: Buffer) => void (agentLog = (agentLog + b.toString()).slice(-100_000));
    g.stdout!.on("data", keep);
    g.stderr!.on("data", keep);
    g.once("exit", (code, signal) => {
      if (!stopping.has(g)) ownExits.push(`exit ${code ?? signal}: ${agentLog.slice(-400)}`);
    });
    guard = g;
  }

  /** The agent's pid: the guard's only child. */
  async function agentPid(): Promise<number> {
    const g = guard;
    if (!g?.pid) throw new Error("no agent started");
    return until("the agent process", async () => {
      const kids = readFileSync(`/proc/${g.pid}/task/${g.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
      return kids.length === 1 ? Number(kids[0]) : undefined;
    });
  }

  /** kill -9 of the agent itself (not the guard); waits until it is gone. */
  async function killAgent(): Promise<void> {
    const g = guard;
    if (!g || g.exitCode !== null || g.signalCode !== null) return;
    const pid = await agentPid();
    const exited = new Promise<void>((r) => g.once("exit", () => r()));
    stopping.add(g);
    process.kill(pid, "SIGKILL");
    await exited;
    guard = undefined;
  }

  async function healthy(): Promise<boolean> {
    const r = await fetch(`http://127.0.0.1:${metricsPort}/healthz`, { signal: AbortSignal.timeout(2000) });
    return r.status === 200;
  }

  /** Like {@link healthy}, but a failure throws with the agent's answer, so a timeout says why. */
  async function assertHealthy(): Promise<void> {
    const r = await fetch(`http://127.0.0.1:${metricsPort}/healthz`, { signal: AbortSignal.timeout(2000) });
    if (r.status !== 200) throw new Error(`healthz ${r.status}: ${(await r.text()).slice(0, 300)}`);
  }

  async function onChain(id: bigint) {
    return chain.publicClient.readContract({
      address: escrow(),
      abi: sessionEscrowAbi,
      functionName: "getSession",
      args: [id],
    });
  }

  /** Points the client's tunnel at the provider anew: a fresh handshake, as a client whose server restarted does. */
  async function connectClient(c: Client): Promise<void> {
    await runCommand("ip", ["netns", "exec", c.ns, "wg", "set", c.iface, "peer", agentWgPublic, "remove"]);
    await runCommand("ip", [
      "netns",
      "exec",
      c.ns,
      "wg",
      "set",
      c.iface,
      "private-key",
      c.keyFile,
      "peer",
      agentWgPublic,
      "endpoint",
      `${c.uplink}:${wgPort}`,
      "allowed-ips",
      POOL,
      "persistent-keepalive",
      "1",
    ]);
  }

  async function voucherBody(c: Client, bytes: bigint, seconds: bigint): Promise<string> {
    const signature = await signUsageVoucher({
      account: c.signer,
      domain: { chainId: chain.deployment.chainId, escrow: escrow() },
      voucher: { sessionId: c.id, terms: await readVoucherTerms(chain.publicClient, escrow(), c.id), bytes, seconds },
    });
    return JSON.stringify({
      sessionId: c.id.toString(),
      bytes: bytes.toString(),
      seconds: seconds.toString(),
      signature,
    });
  }

  const figures = {
    fetches: 0,
    fetchFailures: 0,
    vouchersAccepted: 0,
    voucherFailures: 0,
    /** Client requests that failed while no fault was open (a request in flight across a recovery counts here). */
    failuresWhileUp: 0,
    voucherErrors: 0,
    meterRegressions: 0,
    duplicateDaemons: 0,
  };

  /**
   * One step of a client: read what the agent metered (through the tunnel), sign a voucher for
   * it and post it (through the tunnel), then fetch. Failures while the agent or its data
   * plane is down are expected and retried; a 4xx/5xx answer from a healthy agent is an error.
   */
  let faultOpen = false;
  /** Bumped when a fault starts and when its recovery is complete. */
  let faultEpoch = 0;
  async function clientStep(c: Client): Promise<void> {
    const w = c.worker!;
    // A failure counts against the agent only if its request started and ended with no fault open.
    let epoch = faultEpoch;
    let open = faultOpen;
    const failed = () => void (!open && epoch === faultEpoch && figures.failuresWhileUp++);
    const mark = () => void ((epoch = faultEpoch), (open = faultOpen));
    let view: { meteredBytes: string; meteredSeconds: string; status: string } | undefined;
    try {
      const r = await w.request(`http://${GATEWAY}:${voucherPort}/v1/sessions/${c.id}`);
      if (r.status === 200) view = JSON.parse(r.text) as typeof view;
    } catch {
      figures.voucherFailures++;
      failed();
    }
    if (view) {
      const metered = BigInt(view.meteredBytes);
      if (metered < c.maxMetered) figures.meterRegressions++;
      if (metered > c.maxMetered) c.maxMetered = metered;
      const last = c.accepted.at(-1) ?? { bytes: 0n, seconds: 0n };
      const v = { bytes: metered, seconds: BigInt(view.meteredSeconds) + 5n };
      if (v.seconds < last.seconds) v.seconds = last.seconds;
      if (v.bytes > last.bytes) {
        try {
          mark();
          const r = await w.request(
            `http://${GATEWAY}:${voucherPort}/v1/vouchers`,
            await voucherBody(c, v.bytes, v.seconds),
          );
          if (r.status === 200) {
            c.accepted.push(v);
            figures.vouchersAccepted++;
          } else {
            figures.voucherErrors++;
            process.stderr.write(`# voucher refused for session ${c.id}: ${r.status} ${r.text}\n`);
          }
        } catch {
          figures.voucherFailures++;
          failed();
        }
      }
    }
    mark();
    const fetchStarted = Date.now();
    try {
      const r = await w.request(`http://${GATEWAY}:${contentPort}/`);
      figures.fetches++;
      if (r.status !== 200) figures.fetchFailures++;
      else c.servedAt = fetchStarted;
    } catch {
      figures.fetchFailures++;
      failed();
    }
    // Bounded traffic: at most one 100 kB fetch per client every 100 ms.
    await sleep(100);
  }

  /** Every live session's peer is on the interface with its own tunnel addresses; one wireguard-go serves it. */
  async function servingEveryPaidPeer(): Promise<boolean> {
    // Each unmet condition throws with what was seen: `until` reports the last one on timeout.
    await assertHealthy();
    const peers = await peersOf(AGENT_IF);
    for (const c of clients) {
      if (c.closed) continue;
      const [v4, v6] = c.tunnelAddress.split(",");
      const want = [`${v4!.split("/")[0]}/32`, `${v6!.split("/")[0]}/128`].sort().join(",");
      const have = (peers.get(c.wgPublic) ?? "").split(",").sort().join(",");
      if (have !== want) throw new Error(`client ${c.index}'s peer has allowed IPs "${have}", wants "${want}"`);
    }
    const addrs = await runCommand("ip", ["-o", "address", "show", "dev", AGENT_IF]);
    if (!addrs.includes(` ${GATEWAY}/16 `)) throw new Error(`${AGENT_IF} lacks ${GATEWAY}/16: ${addrs.trim()}`);
    return true;
  }

  before(async () => {
    lab = createNetLab();
    dir = mkdtempSync(join(tmpdir(), "dvpn-chaos-crash-"));
    const n = count(2, 3);
    chain = await startTestChain({ fund: n });
    wgPort = await freeUdpPort();
    voucherPort = await freePort();
    metricsPort = await freePort();
    agentWgPublic = ensureKeyFile(join(dir, "agent", "wg.key")).publicKey;
    provider = await registerChaosProvider(chain, {
      key: providerKey,
      endpoint: `172.30.${octet}.1:${wgPort}`,
      wgKey: wgKeyToBytes32(agentWgPublic),
      maxSessions: 16,
    });
    writeFileSync(join(dir, "provider.key"), `${providerKey}\n`, { mode: 0o600 });
    writeFileSync(join(dir, "deployment.json"), JSON.stringify(chain.deployment));
    configFile = join(dir, "agent.json");
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
        reconcileIntervalMs: 300,
        resyncIntervalMs: 2000,
        claimEveryAmount: "1",
        claimIntervalSeconds: 1,
        idleTimeoutSeconds: 0,
        lagToleranceBytes: String(256 << 20),
        lagToleranceSeconds: "3600",
        logLevel: process.env.DVPN_CHAOS_LOG ?? "warn",
      }),
    );
    lab.trackLink(AGENT_IF);
    content = createServer((_req, res) => res.end("x".repeat(FETCH_BYTES)));
    await new Promise<void>((r) => content.listen(0, "0.0.0.0", () => r()));
    contentPort = (content.address() as { port: number }).port;
    for (let i = 0; i < n; i++) {
      const ns = `dvk${sfx}n${i}`;
      await lab.addNs(ns);
      // Each client's own /30 to the host: 172.30.<octet>.(4i+1) here, (4i+2) in its namespace.
      const uplink = `172.30.${octet}.${4 * i + 1}`;
      await lab.veth(`dvk${sfx}a${i}`, `dvk${sfx}b${i}`, ns, `${uplink}/30`, `172.30.${octet}.${4 * i + 2}/30`);
      const keyFile = join(dir, `client${i}.key`);
      clients.push({
        index: i,
        ns,
        iface: `dvk${sfx}c${i}`,
        uplink,
        account: chain.accounts[1 + i]!,
        keyFile,
        wgPublic: ensureKeyFile(keyFile).publicKey,
        signer: privateKeyToAccount(generatePrivateKey()),
        id: 0n,
        tunnelAddress: "",
        accepted: [],
        maxMetered: 0n,
        closed: false,
        servedAt: 0,
      });
    }
  });

  /** Removes everything this test made; returns what was still there (leaks) after the removal. */
  async function teardown(): Promise<{
    processes: number[];
    namespaces: string[];
    links: string[];
    sockets: string[];
  }> {
    if (guard) {
      const g = guard;
      const exited = new Promise<void>((r) => g.once("exit", () => r()));
      stopping.add(g);
      g.kill("SIGTERM");
      await Promise.race([exited, sleep(10_000)]);
      if (g.exitCode === null && g.signalCode === null) await killAgent().catch(() => undefined);
      guard = undefined;
    }
    for (const c of clients) c.worker?.stop();
    // The agent leaves its interface and wireguard-go up on purpose; the test removes them.
    await runCommand("ip", ["link", "del", "dev", AGENT_IF]).catch(() => undefined);
    for (const pid of wireguardGoPids(AGENT_IF)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    await lab?.cleanup();
    await sleep(300);
    const names = [AGENT_IF, ...clients.map((c) => c.iface)];
    const processes = names.flatMap((i) => wireguardGoPids(i));
    const ns = await runCommand("ip", ["netns", "list"]);
    const namespaces = clients.map((c) => c.ns).filter((n) => ns.includes(n));
    const linkList = await runCommand("ip", ["-o", "link", "show"]);
    const links = linkList
      .split("\n")
      .map((l) => l.split(": ")[1]?.split("@")[0] ?? "")
      .filter((l) => l.startsWith(`dvk${sfx}`));
    const sockets = existsSync("/var/run/wireguard")
      ? readdirSync("/var/run/wireguard").filter((f) => f.startsWith(`dvk${sfx}`))
      : [];
    return { processes, namespaces, links, sockets };
  }

  let tornDown = false;
  after(async () => {
    if (!tornDown) await teardown().catch(() => undefined);
    content?.close();
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every paid peer and claims every voucher exactly once through kill -9 of the agent and of wireguard-go", async () => {
    const started = Date.now();
    startAgent();
    await until("the agent's first health", healthy, 90_000);

    // Sessions open; the agent adds the peers and accepts; clients bring their tunnels up.
    for (const c of clients) {
      const r = await chain.send(c.account, escrow(), sessionEscrowAbi, "openSession", [
        provider.address,
        wgKeyToBytes32(c.wgPublic),
        c.signer.address,
        DEPOSIT,
        2n ** 96n - 1n,
        2n ** 96n - 1n,
      ]);
      const receipt = await chain.publicClient.getTransactionReceipt({ hash: r.hash });
      c.id = parseEventLogs({
        abi: sessionEscrowAbi,
        logs: receipt.logs,
        eventName: "SessionOpened",
      })[0]!.args.sessionId;
    }
    const acceptedLogs = await until("every session accepted", async () => {
      const logs = await chain.publicClient.getContractEvents({
        address: escrow(),
        abi: sessionEscrowAbi,
        eventName: "SessionAccepted",
        fromBlock: 0n,
      });
      return clients.every((c) => logs.some((l) => l.args.sessionId === c.id)) ? logs : undefined;
    });
    for (const c of clients) {
      c.tunnelAddress = acceptedLogs.find((l) => l.args.sessionId === c.id)!.args.tunnelAddress!;
      await lab.wireguardGo(c.iface, c.ns);
      await connectClient(c);
      await lab.ip(["-n", c.ns, "address", "add", c.tunnelAddress.split(",")[0]!, "dev", c.iface]);
      await lab.ip(["-n", c.ns, "link", "set", c.iface, "up"]);
      c.worker = startWorker(c.ns);
      await until(`client ${c.index} through its tunnel`, async () => {
        const r = await c.worker!.request(`http://${GATEWAY}:${contentPort}/`);
        return r.status === 200;
      });
    }

    // Traffic and vouchers run on their own while the faults land; bounded in steps and time.
    let stopTraffic = false;
    const trafficDeadline = Date.now() + (count(3, 20) * 2 + 2) * 15_000;
    const traffic = clients.map(async (c) => {
      for (let step = 0; step < 5000 && !stopTraffic && Date.now() < trafficDeadline; step++) await clientStep(c);
    });

    const faults: ("agent" | "wg")[] = [];
    for (let i = 0; i < count(3, 20); i++) faults.push("agent", "wg");
    for (let i = faults.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [faults[i], faults[j]] = [faults[j]!, faults[i]!];
    }
    const recoveryMs: number[] = [];
    let agentKills = 0;
    let wgKills = 0;
    let doubleFaults = 0;
    let startupKills = 0;
    let recoveries = 0;
    try {
      while (faults.length > 0) {
        const fault = faults.shift()!;
        await sleep(rng.between(200, count(800, 2500)));
        const before = new Map(clients.map((c) => [c.id, c.maxMetered]));
        let wgKilled = false;
        faultOpen = true;
        faultEpoch++;
        if (fault === "agent") {
          await killAgent();
          agentKills++;
          // Sometimes wireguard-go dies too while the agent is down: the next start must recreate it.
          const i = faults.indexOf("wg");
          if (i >= 0 && rng.chance(0.3)) {
            faults.splice(i, 1);
            for (const pid of wireguardGoPids(AGENT_IF)) process.kill(pid, "SIGKILL");
            wgKills++;
            doubleFaults++;
            wgKilled = true;
            await until("wireguard-go gone", async () => wireguardGoPids(AGENT_IF).length === 0, 10_000);
          }
          await sleep(rng.between(0, 1000));
          startAgent();
          // Sometimes the agent dies again while it starts (adopting or recreating the interface, backfilling).
          if (rng.chance(0.3)) {
            await sleep(rng.between(50, 1500));
            await killAgent();
            agentKills++;
            startupKills++;
            startAgent();
          }
        } else {
          const pids = wireguardGoPids(AGENT_IF);
          assert.equal(pids.length, 1, `one wireguard-go serves ${AGENT_IF}, found ${pids.length}`);
          process.kill(pids[0]!, "SIGKILL");
          wgKills++;
          wgKilled = true;
        }
        const t0 = Date.now();
        await until(
          `recovery after ${fault === "agent" ? "kill -9 of the agent" : "kill -9 of wireguard-go"}`,
          servingEveryPaidPeer,
          60_000,
        ).catch((err: Error) => {
          // What the agent said is the only way to tell a slow start from a hang or a crash loop.
          throw new Error(
            `${err.message}\nagent exits: ${ownExits.join(" | ") || "none"}\nagent log tail:\n${agentLog.slice(-3000)}`,
          );
        });
        recoveryMs.push(Date.now() - t0);
        const daemons = wireguardGoPids(AGENT_IF).length;
        if (daemons !== 1) figures.duplicateDaemons++;
        assert.equal(daemons, 1, `exactly one wireguard-go for ${AGENT_IF} after recovery`);
        // A new interface: the clients handshake again, and their traffic flows again.
        if (wgKilled) for (const c of clients) await connectClient(c);
        const reconnected = Date.now();
        for (const c of clients) {
          await until(`client ${c.index} served again`, async () => {
            const r = await fetch(`http://${GATEWAY}:${voucherPort}/v1/sessions/${c.id}`, {
              signal: AbortSignal.timeout(2000),
            });
            const v = (await r.json()) as { meteredBytes: string; status: string };
            // Metered on, and a fetch the client started after the recovery went through.
            return (
              v.status === "active" && BigInt(v.meteredBytes) > (before.get(c.id) ?? 0n) && c.servedAt > reconnected
            );
          });
        }
        faultOpen = false;
        faultEpoch++;
        recoveries++;
      }
    } finally {
      stopTraffic = true;
      await Promise.all(traffic);
    }

    // The clients settle up: a last voucher for everything metered, then they close.
    await sleep(1000);
    for (const c of clients) {
      assert.ok(c.accepted.length > 0, `session ${c.id} had vouchers accepted during the faults`);
      const r = await fetch(`http://${GATEWAY}:${voucherPort}/v1/sessions/${c.id}`);
      const v = (await r.json()) as { meteredBytes: string; meteredSeconds: string };
      const last = c.accepted.at(-1) ?? { bytes: 0n, seconds: 0n };
      const fin = { bytes: BigInt(v.meteredBytes), seconds: BigInt(v.meteredSeconds) + 5n };
      if (fin.bytes < c.maxMetered) figures.meterRegressions++;
      if (fin.seconds < last.seconds) fin.seconds = last.seconds;
      if (fin.bytes > last.bytes) {
        const p = await c.worker!.request(
          `http://${GATEWAY}:${voucherPort}/v1/vouchers`,
          await voucherBody(c, fin.bytes, fin.seconds),
        );
        assert.equal(p.status, 200, `final voucher of session ${c.id}: ${p.text}`);
        c.accepted.push(fin);
        figures.vouchersAccepted++;
      }
      await chain.send(c.account, escrow(), sessionEscrowAbi, "closeSession", [c.id]);
      c.closed = true;
    }
    // One more kill -9 while the agent settles the closes: the next start settles them.
    await sleep(rng.between(0, 400));
    await killAgent();
    agentKills++;
    startAgent();
    await until(
      "every session settled on chain",
      async () => {
        for (const c of clients) if ((await onChain(c.id)).status !== CLOSED) return false;
        return true;
      },
      120_000,
    );
    recoveries++;
    await until("every peer removed", async () => {
      const peers = await peersOf(AGENT_IF);
      return clients.every((c) => !peers.has(c.wgPublic));
    });

    await until("the agent holds no open session", async () => {
      const r = await fetch(`http://127.0.0.1:${metricsPort}/sessions`, { signal: AbortSignal.timeout(2000) });
      return ((await r.json()) as { sessions: unknown[] }).sessions.length === 0;
    });

    // Claims: each session paid exactly its last voucher, once, and nothing that was not a voucher.
    const logs = await chain.publicClient.getLogs({ address: escrow(), fromBlock: 0n, toBlock: "latest" });
    const claims: ClaimEvent[] = [];
    for (const log of logs) {
      try {
        const ev = decodeEventLog({ abi: sessionEscrowAbi, data: log.data, topics: log.topics });
        if (ev.eventName === "UsageClaimed") claims.push(ev.args as never);
      } catch {
        // another event
      }
    }
    // Each (session, totals) paid once, only vouchers, each session exactly its last one; a claim's
    // fee is its share of the session's fee, rounded once on the total.
    const terms = { pricePerGiB: PRICE_PER_GIB, pricePerMinute: PRICE_PER_MINUTE, deposit: DEPOSIT };
    const {
      doublePayments,
      notAVoucher,
      wrongPaid,
      wrongFees,
      netOfClaims: expectedNet,
    } = countPayments(
      claims,
      clients.map((c) => ({ id: c.id, terms, last: c.accepted.at(-1)!, accepted: c.accepted })),
      250,
    );
    let lostVouchers = 0;
    for (const c of clients) {
      const last = c.accepted.at(-1)!;
      const info = await onChain(c.id);
      if (info.claimedBytes !== last.bytes || info.claimedSeconds !== last.seconds) lostVouchers++;
      if (info.claimedBytes !== last.bytes || info.claimedSeconds !== last.seconds)
        wrongPaid.push(
          `session ${c.id}: claimed ${info.claimedBytes} B, ${info.claimedSeconds} s, last voucher ${last.bytes} B, ${last.seconds} s`,
        );
    }
    const balance = await chain.publicClient.readContract({
      address: chain.deployment.contracts.PaymentToken.address,
      abi: mockStablecoinAbi,
      functionName: "balanceOf",
      args: [provider.address],
    });

    // Nothing left behind.
    const leaks = await teardown();
    tornDown = true;
    recoveryMs.sort((a, b) => a - b);
    record({
      category: CATEGORY,
      faultsInjected: agentKills + wgKills,
      recoveries,
      dataLost: lostVouchers + figures.meterRegressions,
      doublePayments: doublePayments + notAVoucher,
      crashes: ownExits.length,
      details: {
        seed: SEED,
        sessions: clients.length,
        agentKills,
        wireguardGoKills: wgKills,
        bothDownAtOnce: doubleFaults,
        agentKilledWhileStarting: startupKills,
        recoveryMs: {
          median: recoveryMs[Math.floor(recoveryMs.length / 2)],
          max: recoveryMs.at(-1),
        },
        vouchersAccepted: figures.vouchersAccepted,
        voucherErrorResponses: figures.voucherErrors,
        clientApiRequestsFailed: figures.voucherFailures,
        fetches: figures.fetches,
        fetchesFailed: figures.fetchFailures,
        clientRequestsFailedOutsideFaults: figures.failuresWhileUp,
        claimEvents: claims.length,
        claimedBytes: clients.reduce((s, c) => s + c.accepted.at(-1)!.bytes, 0n),
        meterRegressions: figures.meterRegressions,
        seconds: Math.round((Date.now() - started) / 1000),
      },
    });
    // Recorded first, asserted after.
    assert.deepEqual(ownExits, [], "the agent exited on its own");
    assert.equal(balance, expectedNet, "the provider received exactly the claims, minus fees, once");
    assert.equal(doublePayments, 0, "a (session, totals) pair was paid twice or above its last voucher");
    assert.equal(notAVoucher, 0, "a claim was not one of the client's vouchers");
    assert.equal(lostVouchers, 0, "a last voucher was not claimed");
    assert.deepEqual(wrongPaid, [], "sessions not paid exactly their last voucher");
    assert.deepEqual(wrongFees, [], "claims whose fee is not the protocol fee");
    assert.equal(figures.meterRegressions, 0, "the agent's meter went back after a crash");
    assert.equal(figures.voucherErrors, 0, "the voucher API refused a good voucher");
    assert.deepEqual(leaks, { processes: [], namespaces: [], links: [], sockets: [] }, "leaked after cleanup");
    assert.ok(agentKills >= count(3, 20) && wgKills === count(3, 20), `${agentKills} agent kills, ${wgKills} wg kills`);
  });
});
