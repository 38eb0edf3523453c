/**
 * `npm run bench:agent [-- --quick]`: gateway-agent figures on this machine, measured, not asserted.
 *
 * 1. Reconcile at scale: a real wireguard-go interface in a network namespace of its own and
 *    100, 1,000 and 10,000 live sessions in the agent's store: time and `wg`/`ip` calls for the
 *    first fill, a steady-state pass (nothing to change), passes repairing a diff of 1 and of 100
 *    peers (half missing, half unknown; median, min and max of several runs after a warm-up), a
 *    pass repairing 1 % drift, and a full restore after wireguard-go is killed.
 * 2. Chain to peer: a `hardhat node`, the protocol deployed, a provider registered and the agent
 *    in-process (confirmations 0, chain poll 250 ms): time from SessionOpened mined to the peer
 *    on the interface and to acceptSession mined, per session; then sessions opened back to back
 *    to measure how many opens per minute the agent provisions and accepts.
 *
 * Prints the JSON to stdout and writes bench/results/agent.json (DVPN_BENCH_RESULTS_DIR when set,
 * bench/results/quick/ for --quick). Needs root, /dev/net/tun and wireguard-go.
 */
import { join } from "node:path";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import pino from "pino";
import {
  createWalletClient,
  defineChain,
  http,
  parseEventLogs,
  parseUnits,
  type Account,
  type Chain,
  type Hex,
  type Transport,
  type WalletClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createGatewayAgent, type GatewayAgent } from "../gateway-agent/src/agent.ts";
import { addressesOf, parsePool } from "../gateway-agent/src/addresses/pool.ts";
import { openStore, newSessionRecord } from "../gateway-agent/src/store/store.ts";
import { createMockChain } from "../gateway-agent/src/testing/mockChain.ts";
import { createNetLab, dataPlaneUnavailable, suffix } from "../gateway-agent/src/testing/netns.ts";
import { runCommand } from "../gateway-agent/src/wireguard/exec.ts";
import { ensureKeyFile } from "../gateway-agent/src/wireguard/keyfile.ts";
import { wgKeyToBytes32 } from "../sdk/src/wireguard/keys.ts";
import { dvpnTokenAbi, mockStablecoinAbi, providerRegistryAbi, sessionEscrowAbi } from "../sdk/src/abi/index.ts";
import { deployProtocol } from "../scripts/deploy/deployProtocol.ts";
import { startLocalChain } from "../test/kit/localChain.ts";
import { resultsDir, writeJson } from "./lib/results.ts";

const { values: flags } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const quick = flags.quick || process.env.DVPN_BENCH_QUICK === "1";
const log = (line: string) => process.stderr.write(`[bench:agent] ${line}\n`);
const silent = pino({ level: "silent" });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] ?? 0) : 0;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0) : 0;
};
const round = (x: number) => Math.round(x * 10) / 10;

const unavailable = dataPlaneUnavailable();
if (unavailable) {
  const out = { status: "unavailable", reason: unavailable };
  console.log(JSON.stringify(out, null, 2));
  writeJson(join(resultsDir(quick), "agent.json"), out);
  process.exit(0);
}

interface ScalePoint {
  peers: number;
  fill: { ms: number; wgCalls: number };
  steady: { ms: number; wgCalls: number };
  drift1pct: { ms: number; wgCalls: number; repaired: number };
  restoreAfterWireguardGoKilled: { ms: number; wgCalls: number };
  /** Interface at `peers`, then `diff` peers out of line: median, min and max over `runs` after a warm-up. */
  diffs: DiffPoint[];
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

interface DiffPoint {
  diff: number;
  /** Peers the pass had to add (taken off the interface behind its back) and remove (strays put on it). */
  added: number;
  removed: number;
  runs: number;
  ms: Spread & { values: number[] };
  wgCalls: Spread;
}

const DIFFS = [1, 100];
const DIFF_RUNS = quick ? 3 : 5;
const spread = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** Reconcile figures for `n` live sessions on a real wireguard-go interface in a namespace. */
async function reconcileAtScale(n: number): Promise<ScalePoint> {
  const lab = createNetLab();
  const dir = mkdtempSync(join(tmpdir(), "agent-bench-"));
  const sfx = suffix();
  const ns = `dvbn${sfx}`;
  const iface = `dvbr${sfx}`;
  let agent: GatewayAgent | undefined;
  try {
    await lab.addNs(ns);
    const layout = parsePool("10.200.0.0/16", "fd77:dead:beef::/64");
    const store = openStore(join(dir, "agent.sqlite"));
    store.transaction(() => {
      for (let i = 0; i < n; i++) {
        const a = addressesOf(layout, i + 2);
        const s = newSessionRecord({
          id: BigInt(i + 1),
          client: "0x0000000000000000000000000000000000000001",
          signer: "0x0000000000000000000000000000000000000001",
          wgKey: randomBytes(32).toString("base64"),
          deposit: 10n ** 12n,
          pricePerGiB: 1n,
          pricePerMinute: 0n,
          feeBps: 0,
          acceptDeadline: 0,
          openedAt: 0,
          status: "active",
        });
        store.put({
          ...s,
          addrIndex: a.index,
          tunnelAddress: a.tunnelAddress,
          allowedIps: a.allowedIps,
          acceptedAt: Math.floor(Date.now() / 1000),
        });
        store.putAddress({ index: a.index, sessionId: String(i + 1), releasedAt: 0 });
      }
    });
    store.close();
    const provider = privateKeyToAccount(generatePrivateKey());
    agent = createGatewayAgent(
      {
        rpcUrl: "http://127.0.0.1:1",
        deployment: {
          chainId: 31337,
          startBlock: 1,
          contracts: { ProviderRegistry: { address: provider.address }, SessionEscrow: { address: provider.address } },
        },
        privateKey: generatePrivateKey(),
        dataDir: dir,
        interface: iface,
        netns: ns,
        wgListenPort: 51820,
        backend: "userspace",
        ipv4Pool: "10.200.0.0/16",
        lagToleranceBytes: String(1n << 60n),
        lagToleranceSeconds: String(1n << 40n),
        idleTimeoutSeconds: 0,
      },
      { chain: createMockChain(provider.address, () => Math.floor(Date.now() / 1000)), logger: silent },
    );
    const backend = agent.backend;
    ensureKeyFile(join(dir, "wg.key"));
    await backend.ensureInterface();
    const measure = async () => {
      const calls = backend.calls();
      const t = performance.now();
      const r = await agent!.reconcile();
      return { ms: round(performance.now() - t), wgCalls: backend.calls() - calls, r };
    };
    const fill = await measure();
    const steadyRuns = [await measure(), await measure(), await measure()];
    const steady = { ms: median(steadyRuns.map((s) => s.ms)), wgCalls: median(steadyRuns.map((s) => s.wgCalls)) };
    const dump = await runCommand("wg", ["show", iface, "dump"]);
    const keys = dump
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t")[0] ?? "");
    // Diff of k: ceil(k/2) of its own peers taken off the interface (the pass re-adds them) and
    // floor(k/2) unknown peers put on it (the pass removes them); a diff of 1 is one missing peer.
    const diffs: DiffPoint[] = [];
    for (const k of DIFFS) {
      const toAdd = Math.ceil(k / 2);
      const toRemove = Math.floor(k / 2);
      const runs: { ms: number; wgCalls: number }[] = [];
      for (let run = 0; run <= DIFF_RUNS; run++) {
        const missing = keys.slice(0, toAdd); // re-added by each pass, so free to take again
        const strays = Array.from({ length: toRemove }, (_, i) => [
          "peer",
          randomBytes(32).toString("base64"),
          "allowed-ips",
          `10.250.${Math.floor(i / 250)}.${(i % 250) + 1}/32`,
        ]).flat();
        await runCommand("wg", ["set", iface, ...missing.flatMap((key) => ["peer", key, "remove"]), ...strays]);
        const m = await measure();
        if (m.r.added !== toAdd || m.r.removed !== toRemove)
          throw new Error(`diff ${k}: added ${m.r.added}/${toAdd}, removed ${m.r.removed}/${toRemove}`);
        if (run > 0) runs.push({ ms: m.ms, wgCalls: m.wgCalls }); // run 0 is the warm-up
      }
      const ms = runs.map((x) => x.ms);
      diffs.push({
        diff: k,
        added: toAdd,
        removed: toRemove,
        runs: runs.length,
        ms: { ...spread(ms), values: ms },
        wgCalls: spread(runs.map((x) => x.wgCalls)),
      });
    }
    const drop = keys.slice(0, Math.max(1, Math.floor(n / 100)));
    await runCommand("wg", ["set", iface, ...drop.flatMap((k) => ["peer", k, "remove"])]);
    const drift = await measure();
    const pid = Number(readFileSync(join(dir, `wireguard-go.${iface}.pid`), "utf8").trim());
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 100; i++) {
      try {
        await runCommand("wg", ["show", iface, "dump"]);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        break;
      }
    }
    const restore = await measure();
    const peersAfter = (await runCommand("wg", ["show", iface, "dump"])).trim().split("\n").length - 1;
    if (peersAfter !== n) throw new Error(`restore left ${peersAfter} of ${n} peers`);
    return {
      peers: n,
      fill: { ms: fill.ms, wgCalls: fill.wgCalls },
      steady,
      drift1pct: { ms: drift.ms, wgCalls: drift.wgCalls, repaired: drift.r.added },
      restoreAfterWireguardGoKilled: { ms: restore.ms, wgCalls: restore.wgCalls },
      diffs,
    };
  } finally {
    await agent?.backend.destroy().catch(() => undefined);
    await agent?.stop().catch(() => undefined);
    await lab.cleanup();
    rmSync(`/var/run/wireguard/${iface}.sock`, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SessionOpened → peer → acceptSession latencies and sustained opens per minute. */
async function chainToPeer(sequential: number, burst: number) {
  const chain = await startLocalChain({ timeoutMs: 90_000 });
  const lab = createNetLab();
  const dir = mkdtempSync(join(tmpdir(), "agent-bench-chain-"));
  const sfx = suffix();
  const ns = `dvbc${sfx}`;
  const iface = `dvba${sfx}`;
  let agent: GatewayAgent | undefined;
  try {
    const pc = chain.publicClient;
    const c0 = defineChain({
      id: chain.chainId,
      name: "local",
      nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    });
    const wallet = (a: Account): WalletClient<Transport, Chain, Account> =>
      createWalletClient({ account: a, chain: c0, transport: http(chain.url), pollingInterval: 20 });
    const send = async (
      w: WalletClient<Transport, Chain, Account>,
      address: Hex,
      abi: readonly unknown[],
      fn: string,
      args: unknown[],
    ) => {
      const hash = await w.writeContract({
        address,
        abi: abi as never,
        functionName: fn as never,
        args: args as never,
        account: w.account,
        chain: w.chain,
      });
      return pc.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    };
    const keys = { deployer: generatePrivateKey(), provider: generatePrivateKey(), client: generatePrivateKey() };
    const acct = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, privateKeyToAccount(v)])) as Record<
      keyof typeof keys,
      Account
    >;
    for (const a of Object.values(acct))
      await pc.request({ method: "hardhat_setBalance" as never, params: [a.address, "0x56BC75E2D63100000"] as never });
    const deployment = await deployProtocol({ publicClient: pc, walletClient: wallet(acct.deployer) });
    const c = deployment.contracts;
    const stake = BigInt(deployment.parameters.registry.minStake);
    await send(wallet(acct.deployer), c.DVPNToken.address, dvpnTokenAbi, "transfer", [acct.provider.address, stake]);
    await send(wallet(acct.deployer), c.PaymentToken.address, mockStablecoinAbi, "mint", [
      acct.client.address,
      parseUnits("100000", 6),
    ]);
    await send(wallet(acct.client), c.PaymentToken.address, mockStablecoinAbi, "approve", [
      c.SessionEscrow.address,
      2n ** 255n,
    ]);
    await send(wallet(acct.provider), c.DVPNToken.address, dvpnTokenAbi, "approve", [
      c.ProviderRegistry.address,
      stake,
    ]);
    const wgKey = ensureKeyFile(join(dir, "wg.key")).publicKey;
    await send(wallet(acct.provider), c.ProviderRegistry.address, providerRegistryAbi, "register", [
      "192.0.2.1:51820",
      wgKeyToBytes32(wgKey),
      "0x4445",
      1n,
      0n,
      100_000,
      stake,
    ]);
    await lab.addNs(ns);
    agent = createGatewayAgent(
      {
        rpcUrl: chain.url,
        deployment,
        privateKey: keys.provider,
        dataDir: dir,
        interface: iface,
        netns: ns,
        backend: "userspace",
        ipv4Pool: "10.201.0.0/16",
        voucherListen: "127.0.0.1:0",
        metricsListen: "",
        confirmations: 0,
        pollIntervalMs: 250,
        reconcileIntervalMs: 5000,
        idleTimeoutSeconds: 0,
        heartbeat: false,
      },
      { logger: silent },
    );
    await agent.start();
    const client = wallet(acct.client);
    const open = async () => {
      const r = await send(client, c.SessionEscrow.address, sessionEscrowAbi, "openSession", [
        acct.provider.address,
        `0x${randomBytes(32).toString("hex")}`,
        acct.client.address,
        1_000_000n,
        10n,
        10n,
      ]);
      const [ev] = parseEventLogs({ abi: sessionEscrowAbi, logs: r.logs, eventName: "SessionOpened" });
      if (!ev) throw new Error("no SessionOpened");
      return ev.args.sessionId;
    };
    const waitFor = async (pred: () => boolean, ms: number) => {
      const deadline = performance.now() + ms;
      while (!pred()) {
        if (performance.now() > deadline) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 5));
      }
      return performance.now();
    };
    const toPeer: number[] = [];
    const toAccepted: number[] = [];
    for (let i = 0; i < sequential; i++) {
      const id = await open();
      const t0 = performance.now();
      const t1 = await waitFor(() => agent!.session(id)?.provisioned === true, 30_000);
      const t2 = await waitFor(() => agent!.session(id)?.status === "active", 30_000);
      toPeer.push(t1 - t0);
      toAccepted.push(t2 - t0);
    }
    log(`latency: peer median ${round(median(toPeer))} ms, accepted median ${round(median(toAccepted))} ms`);
    const started = performance.now();
    const ids: bigint[] = [];
    for (let i = 0; i < burst; i++) ids.push(await open());
    const openedMs = performance.now() - started;
    const done = await waitFor(() => ids.every((id) => agent!.session(id)?.status === "active"), 300_000);
    const totalMs = done - started;
    return {
      method: {
        sequentialSessions: sequential,
        burstSessions: burst,
        pollIntervalMs: 250,
        confirmations: 0,
        chain: "hardhat node (automine)",
      },
      openedToPeerMs: {
        median: round(median(toPeer)),
        p90: round(pct(toPeer, 0.9)),
        min: round(Math.min(...toPeer)),
        max: round(Math.max(...toPeer)),
      },
      openedToAcceptMinedMs: {
        median: round(median(toAccepted)),
        p90: round(pct(toAccepted, 0.9)),
        min: round(Math.min(...toAccepted)),
        max: round(Math.max(...toAccepted)),
      },
      sustained: {
        sessions: burst,
        clientOpensPerMinute: round((burst / openedMs) * 60_000),
        handledPerMinute: round((burst / totalMs) * 60_000),
        secondsFromFirstOpenToLastAccepted: round(totalMs / 1000),
      },
    };
  } finally {
    await agent?.backend.destroy().catch(() => undefined);
    await agent?.stop().catch(() => undefined);
    await lab.cleanup();
    rmSync(`/var/run/wireguard/${iface}.sock`, { force: true });
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizes = quick ? [100, 1000] : [100, 1000, 10_000];
const scale: ScalePoint[] = [];
for (const n of sizes) {
  log(`reconcile with ${n} peers`);
  scale.push(await reconcileAtScale(n));
  log(`  ${JSON.stringify(scale.at(-1))}`);
}
const chainFigures = await chainToPeer(quick ? 3 : 20, quick ? 10 : 200);

const series = [
  {
    id: "agent-reconcile",
    title: "Gateway agent reconcile pass (wireguard-go)",
    x: { label: "peers on the interface" },
    y: { label: "ms per pass" },
    higherIsBetter: false,
    xIsWork: false,
    points: scale.flatMap((p) => [
      { group: "first fill", x: p.peers, median: p.fill.ms },
      { group: "steady state", x: p.peers, median: p.steady.ms },
      { group: "restore after wireguard-go died", x: p.peers, median: p.restoreAfterWireguardGoKilled.ms },
      ...p.diffs.map((d) => ({
        group: `diff of ${d.diff}`,
        x: p.peers,
        median: d.ms.median,
        min: d.ms.min,
        max: d.ms.max,
      })),
    ]),
  },
];
const result = {
  status: "ok",
  quick,
  reconcile: scale,
  chainToPeer: chainFigures,
  series,
  summaryMarkdown: [
    `SessionOpened (mined) → peer on the interface: median ${chainFigures.openedToPeerMs.median} ms; → acceptSession mined: median ${chainFigures.openedToAcceptMinedMs.median} ms (chain poll 250 ms, 0 confirmations).`,
    `Sustained: ${chainFigures.sustained.handledPerMinute} session opens per minute provisioned and accepted (${chainFigures.sustained.sessions} opened back to back).`,
    ...scale.map(
      (p) =>
        `${p.peers} peers: first fill ${p.fill.ms} ms in ${p.fill.wgCalls} wg/ip calls; steady pass ${p.steady.ms} ms (${p.steady.wgCalls} call); restore after wireguard-go died ${p.restoreAfterWireguardGoKilled.ms} ms; ${p.diffs.map((d) => `diff of ${d.diff} median ${d.ms.median} ms (${d.ms.min}–${d.ms.max}) in ${d.wgCalls.median} calls`).join("; ")}.`,
    ),
  ].join("\n"),
};
console.log(JSON.stringify(result, null, 2));
writeJson(join(resultsDir(quick), "agent.json"), result);
