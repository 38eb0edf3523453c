/**
 * `npm run bench:dataplane [-- --quick]`: WireGuard data-plane throughput.
 *
 * One TCP flow (iperf3) from the client namespace to the "internet" namespace, through the
 * provider namespace, measured three ways in the same run:
 *   - no tunnel: client → provider (forwarding) → internet over the plain veths (baseline);
 *   - tunnel, 1 peer: the same path inside a wireguard-go tunnel client ⇄ provider;
 *   - tunnel, N peers: the same, with N−1 extra peers (random keys, distinct /32 allowed-ips)
 *     provisioned on the provider's interface in a few batched `wg set` calls.
 * One warm-up run per configuration is discarded; then rounds of baseline, tunnel (1 peer),
 * tunnel (N peers), baseline (quick runs: no second baseline), alternating the tunnel order each round so slow drift of the
 * shared machine does not favour one configuration. Figures: medians with min and max;
 * ratios of medians against the same run's baseline, and per-round paired ratios.
 *
 * Writes bench/results/dataplane.json (quick: bench/results/quick/dataplane.json, or
 * $DVPN_BENCH_RESULTS_DIR) and prints it. Needs root, /dev/net/tun, wireguard-go, wg, ip and
 * iperf3 (`npm run bench:dataplane` installs them as root through scripts/setup.sh); otherwise it writes why it could not run.
 * Everything it creates (namespaces, processes, sockets) is removed, also on failure or Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { x25519 } from "@noble/curves/ed25519.js";
import { bringUpClientTunnel } from "../scripts/demo/clientTunnel.ts";
import { createTopology, dataPlaneUnavailableReason, TOPOLOGY, type Topology } from "../scripts/lib/netns.ts";
import { createShutdown } from "../sdk/src/shutdown/createShutdown.ts";
import { cpuSeconds, pidsNamed, runIperf, type IperfResult } from "./lib/iperf.ts";
import { parseFlags } from "./lib/args.ts";
import { machineInfo } from "./lib/machine.ts";
import { resultsDir, writeJson } from "./lib/results.ts";
import type { Series } from "./lib/series.ts";
import { medianInterval, round, roundSummary, summarize } from "./lib/stats.ts";

const flags = parseFlags({
  quick: { type: "boolean", default: false },
  duration: { type: "string" },
  rounds: { type: "string" },
  peers: { type: "string" },
  tag: { type: "string" },
  out: { type: "string" },
});
const quick = flags.quick || process.env.DVPN_BENCH_QUICK === "1";

function intFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`--${name} must be an integer from ${min} to ${max} (got ${value})\n`);
    process.exit(2);
  }
  return n;
}

const config = {
  /** Seconds of each measured iperf3 run. */
  duration: intFlag("duration", flags.duration, quick ? 2 : 5, 1, 120),
  /** Leading seconds iperf3 leaves out of each run (TCP slow start). */
  omit: quick ? 0 : 1,
  /** Baseline runs per round: at its start, and (full runs) again at its end. */
  baselinesPerRound: quick ? 1 : 2,
  /** Seconds of each discarded warm-up run. */
  warmup: quick ? 1 : 3,
  rounds: intFlag("rounds", flags.rounds, quick ? 3 : 20, 1, 50),
  /** Peers on the provider interface in the "many" configuration (the client's peer included). */
  peers: intFlag("peers", flags.peers, quick ? 100 : 1000, 2, 60_000),
};
const tag = flags.tag ?? `bd${randomBytes(3).toString("hex").slice(0, 5)}`;
const outFile = flags.out ?? join(resultsDir(quick), "dataplane.json");

const log = (line: string) => process.stderr.write(`[dataplane] ${line}\n`);
const WG_PORT = 51820;
const PROVIDER_TUNNEL = "10.77.0.1/16";
const CLIENT_TUNNEL = "10.77.0.2/16";
const CLIENT_TUNNEL_IP = "10.77.0.2/32";
/** A second address of the internet namespace, routed around the tunnel (the baseline target). */
const DIRECT_TARGET = "10.99.3.2";
/** Reached through the tunnel: the client's default route is the WireGuard interface. */
const TUNNEL_TARGET = TOPOLOGY.internetAddress;
const PEER_BATCH = 250;

type ConfigName = "noTunnel" | "tunnel1Peer" | "tunnelManyPeers";

interface Measured extends IperfResult {
  round: number;
  /** CPU seconds of wireguard-go per side during the run. */
  providerWgCpuSeconds: number;
  clientWgCpuSeconds: number;
}

function keyPair(): { privateKey: string; publicKey: string } {
  const sk = x25519.utils.randomSecretKey();
  return {
    privateKey: Buffer.from(sk).toString("base64"),
    publicKey: Buffer.from(x25519.getPublicKey(sk)).toString("base64"),
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Provider side: a wireguard-go interface with the client as its one real peer. */
async function bringUpProvider(t: Topology, iface: string, privateKey: string, clientPublicKey: string) {
  t.spawn(t.provider, "wireguard-go", ["-f", iface], {
    env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" },
    stdio: "ignore",
  });
  await waitFor(
    `wireguard-go to create ${iface}`,
    async () => !!(await t.run(t.provider, "ip", ["link", "show", iface])),
    10_000,
  );
  // `wg` reads the key from a file (Node's stdin pipe is a socket, which /dev/stdin cannot open).
  const dir = mkdtempSync(join(tmpdir(), "dvpn-bench-"));
  try {
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, privateKey + "\n", { mode: 0o600 });
    const peer = ["peer", clientPublicKey, "allowed-ips", CLIENT_TUNNEL_IP];
    await t.run(t.provider, "wg", ["set", iface, "private-key", keyFile, "listen-port", String(WG_PORT), ...peer]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await t.run(t.provider, "ip", ["address", "add", PROVIDER_TUNNEL, "dev", iface]);
  await t.run(t.provider, "ip", ["link", "set", iface, "up"]);
}

/** The baseline path: a target in the internet namespace routed client → provider → internet without the tunnel. */
async function addDirectRoute(t: Topology): Promise<void> {
  await t.run(t.internet, "ip", ["address", "add", `${DIRECT_TARGET}/32`, "dev", "lo"]);
  await t.run(t.internet, "ip", ["route", "add", "10.99.2.0/30", "via", TOPOLOGY.providerToInternet]);
  await t.run(t.provider, "ip", ["route", "add", `${DIRECT_TARGET}/32`, "via", TOPOLOGY.internetAddress]);
  await t.run(t.client, "ip", ["route", "add", `${DIRECT_TARGET}/32`, "via", TOPOLOGY.providerToClient]);
}

async function startIperfServer(t: Topology): Promise<void> {
  const server = t.spawn(t.internet, "iperf3", ["-s", "--forceflush"], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("iperf3 server did not start within 10 s")), 10_000);
    server.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("listening")) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`iperf3 server exited (${code})`));
    });
  });
  server.stdout?.resume();
  server.stderr?.resume();
}

/** Adds or removes the extra peers in batched `wg set` calls; returns the wall time in ms. */
async function setExtraPeers(t: Topology, iface: string, keys: string[], present: boolean): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < keys.length; i += PEER_BATCH) {
    const args = ["set", iface];
    keys.slice(i, i + PEER_BATCH).forEach((key, j) => {
      const n = i + j;
      // Distinct /32s in the tunnel pool, clear of the provider (.0.1) and the client (.0.2).
      const ip = `10.77.${1 + (n >> 8)}.${n & 255}/32`;
      args.push("peer", key, ...(present ? ["allowed-ips", ip] : ["remove"]));
    });
    await t.run(t.provider, "wg", args);
  }
  return performance.now() - started;
}

async function peerCount(t: Topology, iface: string): Promise<number> {
  return (await t.run(t.provider, "wg", ["show", iface, "peers"])).split("\n").filter(Boolean).length;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const machine = await machineInfo();
  const unavailable = await dataPlaneUnavailableReason();
  const missingIperf = machine.versions.iperf3 === null ? "iperf3 is missing (apt-get install -y iperf3)" : undefined;
  if (unavailable || missingIperf) {
    const result = {
      benchmark: "dataplane",
      status: "unavailable",
      reason: unavailable ?? missingIperf,
      quick,
      startedAt,
      machine,
    };
    writeJson(outFile, result);
    log(`cannot run: ${result.reason}`);
    console.log(JSON.stringify(result, null, 2));
    return;
  }

  const shutdown = createShutdown({ handleSignals: true, log });
  let topology: Topology | undefined;
  shutdown.add("network namespaces", () => topology?.destroy());
  try {
    log(`config ${JSON.stringify(config)}, topology tag ${tag}`);
    topology = await createTopology(tag);
    const t = topology;
    const providerIface = `${t.ifacePrefix}wp`;
    const clientIface = `${t.ifacePrefix}wc`;
    const provider = keyPair();
    const client = keyPair();
    await bringUpProvider(t, providerIface, provider.privateKey, client.publicKey);
    await bringUpClientTunnel({
      topology: t,
      iface: clientIface,
      privateKey: client.privateKey,
      tunnelAddress: CLIENT_TUNNEL,
      peerPublicKey: provider.publicKey,
      endpoint: `${TOPOLOGY.providerToClient}:${WG_PORT}`,
    });
    await addDirectRoute(t);
    await startIperfServer(t);
    // The client's keepalive starts the handshake; measure only once it is done.
    await waitFor(
      "the WireGuard handshake",
      async () => /\t[1-9]\d*$/m.test(await t.run(t.provider, "wg", ["show", providerIface, "latest-handshakes"])),
      15_000,
    );
    const [providerWg] = await pidsNamed(t.provider, "wireguard-go");
    const [clientWg] = await pidsNamed(t.client, "wireguard-go");
    if (!providerWg || !clientWg) throw new Error("could not find the wireguard-go processes");

    const extraKeys = Array.from({ length: config.peers - 1 }, () => randomBytes(32).toString("base64"));
    const addMs: number[] = [];
    const removeMs: number[] = [];
    let manyPresent = false;
    const setMany = async (present: boolean) => {
      if (present === manyPresent) return;
      const ms = await setExtraPeers(t, providerIface, extraKeys, present);
      (present ? addMs : removeMs).push(ms);
      manyPresent = present;
      const count = await peerCount(t, providerIface);
      const want = present ? config.peers : 1;
      if (count !== want) throw new Error(`provider interface has ${count} peers, expected ${want}`);
    };

    const runOne = async (name: ConfigName, seconds: number, omit: number, round: number): Promise<Measured> => {
      if (name !== "noTunnel") await setMany(name === "tunnelManyPeers");
      const p0 = cpuSeconds(providerWg);
      const c0 = cpuSeconds(clientWg);
      const r = await runIperf(t, t.client, name === "noTunnel" ? DIRECT_TARGET : TUNNEL_TARGET, seconds, omit);
      return {
        ...r,
        round,
        providerWgCpuSeconds: cpuSeconds(providerWg) - p0,
        clientWgCpuSeconds: cpuSeconds(clientWg) - c0,
      };
    };

    log(`warm-up: one ${config.warmup} s run per configuration (discarded)`);
    for (const name of ["noTunnel", "tunnel1Peer", "tunnelManyPeers"] as const)
      await runOne(name, config.warmup, 0, -1);

    const runs: Record<ConfigName, Measured[]> = { noTunnel: [], tunnel1Peer: [], tunnelManyPeers: [] };
    for (let round = 0; round < config.rounds; round++) {
      const tunnels: ConfigName[] =
        round % 2 === 0 ? ["tunnelManyPeers", "tunnel1Peer"] : ["tunnel1Peer", "tunnelManyPeers"];
      const order: ConfigName[] = [
        "noTunnel",
        ...tunnels,
        ...(config.baselinesPerRound > 1 ? ["noTunnel" as const] : []),
      ];
      for (const name of order) {
        const m = await runOne(name, config.duration, config.omit, round);
        runs[name].push(m);
        log(`round ${round + 1}/${config.rounds} ${name}: ${m.mbps.toFixed(0)} Mbit/s`);
      }
    }

    const result = buildResult({ startedAt, machine, runs, addMs, removeMs });
    writeJson(outFile, result);
    console.log(JSON.stringify(result, null, 2));
    log(`wrote ${outFile}`);
  } finally {
    await shutdown.shutdown();
  }
}

function buildResult(params: {
  startedAt: string;
  machine: Awaited<ReturnType<typeof machineInfo>>;
  runs: Record<ConfigName, Measured[]>;
  addMs: number[];
  removeMs: number[];
}) {
  const { runs } = params;
  const mbps = (name: ConfigName) => summarize(runs[name].map((m) => m.mbps));
  const base = mbps("noTunnel");
  const one = mbps("tunnel1Peer");
  const many = mbps("tunnelManyPeers");
  // Per-round pairs: each tunnel run against the median of the same round's two baseline runs.
  const rounds = [...new Set(runs.tunnel1Peer.map((m) => m.round))];
  const roundBase = (r: number) => summarize(runs.noTunnel.filter((m) => m.round === r).map((m) => m.mbps)).median;
  const inRound = (name: ConfigName, r: number) => runs[name].find((m) => m.round === r)!.mbps;
  const pairedTunnel = summarize(rounds.map((r) => inRound("tunnel1Peer", r) / roundBase(r)));
  const pairedPeers = summarize(rounds.map((r) => inRound("tunnelManyPeers", r) / inRound("tunnel1Peer", r)));
  const peersRatio = many.median / one.median;
  const ci = medianInterval(pairedPeers.values);
  const cpuPerGiB = (name: ConfigName, r: number) => {
    const m = runs[name].find((q) => q.round === r)!;
    return m.providerWgCpuSeconds / (m.bytes / 2 ** 30);
  };
  const pairedCpu = summarize(rounds.map((r) => cpuPerGiB("tunnelManyPeers", r) / cpuPerGiB("tunnel1Peer", r)));
  const cpuCi = medianInterval(pairedCpu.values);

  const cpu = (name: ConfigName) => {
    const ms = runs[name];
    const gib = (m: Measured) => m.bytes / 2 ** 30;
    const wall = (m: Measured) => m.seconds + config.omit;
    const fig = (f: (m: Measured) => number) => roundSummary(summarize(ms.map(f)), 3);
    return {
      providerWireguardGoCoreShare: fig((m) => m.providerWgCpuSeconds / wall(m)),
      clientWireguardGoCoreShare: fig((m) => m.clientWgCpuSeconds / wall(m)),
      providerWireguardGoCpuSecondsPerGiB: fig((m) => m.providerWgCpuSeconds / gib(m)),
    };
  };
  const retransmits = (name: ConfigName) => summarize(runs[name].map((m) => m.retransmits));

  const series: Series = {
    id: "dataplane-throughput-vs-peers",
    title: "Single-flow TCP throughput vs peers on the provider interface",
    x: { label: "peers provisioned on the provider's wireguard-go interface" },
    y: { label: "throughput (Mbit/s, iperf3, one TCP flow)" },
    higherIsBetter: true,
    xIsWork: false,
    referenceGroups: ["no tunnel (same path, same run)"],
    source: "dataplane",
    points: [
      ...[1, config.peers].map((x) => ({
        group: "no tunnel (same path, same run)",
        x,
        median: round(base.median),
        min: round(base.min),
        max: round(base.max),
      })),
      { group: "wireguard-go tunnel", x: 1, median: round(one.median), min: round(one.min), max: round(one.max) },
      {
        group: "wireguard-go tunnel",
        x: config.peers,
        median: round(many.median),
        min: round(many.min),
        max: round(many.max),
      },
    ],
  };

  return {
    benchmark: "dataplane",
    status: "ok",
    quick,
    startedAt: params.startedAt,
    finishedAt: new Date().toISOString(),
    machine: params.machine,
    method: {
      tool: "iperf3",
      flow: "one TCP flow, client namespace → internet namespace, forwarded by the provider namespace",
      noTunnel: "the same veths and forwarding hop, routed around the tunnel",
      tunnel: "wireguard-go on both ends (userspace; no kernel WireGuard here), MTU 1420",
      runSeconds: config.duration,
      omittedSeconds: config.omit,
      warmupRunSeconds: config.warmup,
      rounds: config.rounds,
      order:
        "per round: no tunnel, both tunnel configurations (order alternating by round)" +
        (config.baselinesPerRound > 1 ? ", no tunnel" : ""),
      peersMany: config.peers,
      extraPeers: "random 32-byte public keys, distinct /32 allowed-ips, no endpoints, added in batched `wg set` calls",
    },
    throughputMbps: {
      noTunnel: roundSummary(base),
      tunnel1Peer: roundSummary(one),
      tunnelManyPeers: roundSummary(many),
    },
    ratios: {
      tunnelOverNoTunnel: { ofMedians: round(one.median / base.median), pairedByRound: roundSummary(pairedTunnel) },
      tunnelManyPeersOverNoTunnel: round(many.median / base.median),
      manyPeersOver1Peer: { ofMedians: round(peersRatio), pairedByRound: roundSummary(pairedPeers) },
    },
    goal: {
      statement: `peer count costs < 5% of tunnel throughput (${config.peers} peers vs 1)`,
      /** 1 − the median of the per-round ratios (N peers / 1 peer), in percent. */
      peerCostPercent: round((1 - pairedPeers.median) * 100, 3),
      /** Distribution-free interval of that median ratio (order statistics of the per-round ratios). */
      ratioInterval: { low: round(ci.low), high: round(ci.high), confidence: round(ci.confidence, 3) },
      /**
       * "met" when the whole interval is within 5%, "not met" when the whole interval is beyond it,
       * "inconclusive" when the run-to-run noise straddles the goal (run more or longer rounds).
       */
      verdict: ci.low >= 0.95 ? "met" : ci.high < 0.95 ? "not met" : "inconclusive",
      roundsWithinGoal: pairedPeers.values.filter((v) => v >= 0.95).length,
      rounds: pairedPeers.n,
      /** Spread (max − min) of the per-round ratios, in percentage points. */
      noisePercent: round((pairedPeers.max - pairedPeers.min) * 100, 3),
      /**
       * The same cost seen through CPU time, which a busy shared machine disturbs less than throughput:
       * per round, the provider's wireguard-go CPU-seconds per GiB with N peers over 1 peer (> 1 = costlier).
       */
      providerCpuPerGiB: {
        pairedByRound: roundSummary(pairedCpu),
        interval: { low: round(cpuCi.low), high: round(cpuCi.high), confidence: round(cpuCi.confidence, 3) },
        verdict: cpuCi.high <= 1 / 0.95 ? "met" : cpuCi.low > 1 / 0.95 ? "not met" : "inconclusive",
      },
    },
    peerProvisioning: {
      peers: config.peers - 1,
      batchSize: PEER_BATCH,
      addMs: roundSummary(summarize(params.addMs), 3),
      removeMs: params.removeMs.length ? roundSummary(summarize(params.removeMs), 3) : null,
    },
    cpu: { tunnel1Peer: cpu("tunnel1Peer"), tunnelManyPeers: cpu("tunnelManyPeers") },
    tcpRetransmits: {
      noTunnel: retransmits("noTunnel"),
      tunnel1Peer: retransmits("tunnel1Peer"),
      tunnelManyPeers: retransmits("tunnelManyPeers"),
    },
    series: [series],
  };
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
