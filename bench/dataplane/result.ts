/**
 * The data-plane benchmark's result file: throughput medians with min and max, ratios against
 * the same run's baseline (of medians and paired by round), the peer-count goal's verdict with a
 * distribution-free interval, CPU per GiB, retransmits and the throughput-vs-peers series.
 */
import type { machineInfo } from "../lib/machine.ts";
import type { Series } from "../lib/series.ts";
import { medianInterval, round, roundSummary, summarize } from "../lib/stats.ts";
import type { DataplaneConfig } from "./config.ts";
import { PEER_BATCH, type ConfigName, type Measured } from "./lab.ts";

/** Reduces the measured runs of every round to the published figures. */
export function buildResult(params: {
  config: DataplaneConfig;
  quick: boolean;
  startedAt: string;
  machine: Awaited<ReturnType<typeof machineInfo>>;
  runs: Record<ConfigName, Measured[]>;
  addMs: number[];
  removeMs: number[];
}) {
  const { runs, config, quick } = params;
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
