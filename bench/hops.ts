/**
 * `npm run bench:hops`: what the second hop costs, as a ratio to one hop in the same run. In the
 * two-hop lab (sdk/test/twoHopLab.ts: a real entry agent in the provider namespace, a real exit
 * agent in its own namespace, both with NAT, wireguard-go everywhere), each round runs
 * `dvpn connect --up` twice against a destination on the "internet": once with one hop (the exit
 * alone, reached through the entry's namespace as a plain router) and once with `--hops 2` (the
 * exit's tunnel inside the entry's). Each measures iperf3 throughput client → destination and the
 * round-trip time of a 1-byte echo over an established TCP connection (median of 200). Ratios are
 * per round (two hops ÷ one hop) and summarised by their median. Writes bench/results/hops.json (or
 * $DVPN_BENCH_RESULTS_DIR's) and prints it. `--quick`: one round of 5 s.
 */
import { join } from "node:path";
import { dataPlaneUnavailableReason, TOPOLOGY } from "../scripts/lib/netns.ts";
import { HOPS, startTwoHopLab, type TwoHopLab } from "../sdk/test/twoHopLab.ts";
import { runIperf } from "./lib/iperf.ts";
import { machineInfo } from "./lib/machine.ts";
import { resultsDir, writeJson } from "./lib/results.ts";
import { median, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const file = join(resultsDir(quick), "hops.json");
const unavailable = await dataPlaneUnavailableReason();
if (unavailable) {
  const out = { benchmark: "hops", unavailable };
  writeJson(file, out);
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  process.exit(0);
}
const ROUNDS = quick ? 1 : 5;
const SECONDS = quick ? 5 : 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (l: string) => process.stderr.write(`[hops] ${l}\n`);

/** One connection's figures. */
interface Measure {
  mbps: number;
  rttMs: number;
}

const RTT_SCRIPT = `const s = require("net").connect(5281, "${HOPS.internetAddress}"); const rtts = []; let t = 0;
s.setNoDelay(true); s.on("connect", () => { t = process.hrtime.bigint(); s.write("x"); });
s.on("data", () => { rtts.push(Number(process.hrtime.bigint() - t) / 1e6); if (rtts.length === 200) { rtts.sort((a, b) => a - b); console.log(rtts[100]); process.exit(0); } t = process.hrtime.bigint(); s.write("x"); });
s.on("error", (e) => { console.error(e.message); process.exit(1); });`;

async function measure(lab: TwoHopLab, hops: 1 | 2, n: number): Promise<Measure> {
  const { topo, dir } = lab;
  const args =
    hops === 2
      ? ["--hops", "2", "--region", "NL", "--config", join(dir, `dv${tag}h${n}.conf`)]
      : ["--provider", lab.exit.address, "--config", join(dir, `dv${tag}o${n}.conf`)];
  // One hop to the exit goes through the entry's namespace as a plain router (a two-hop run replaces
  // this route by its own through the entry tunnel, and takes it down with the tunnel).
  if (hops === 1) {
    await topo.run(topo.client, "ip", ["route", "replace", `${HOPS.exitAddress}/32`, "via", TOPOLOGY.providerToClient]);
  }
  const { cli, out, exited } = lab.dvpn(
    ["connect", ...args, "--max-price-gib", "0.05", "--deposit", "5", "--up", "--dns", "none"],
    `state${n}`,
  );
  try {
    const up = hops === 2 ? /exit: tunnel \S+ up/ : /tunnel \S+ up/;
    for (const deadline = Date.now() + 120_000; !up.test(out.stderr);) {
      if (Date.now() > deadline || cli.exitCode !== null) throw new Error(`no tunnel (${hops} hops): ${out.stderr}`);
      await sleep(100);
    }
    let rtt = NaN;
    for (let i = 0; i < 40 && Number.isNaN(rtt); i++) {
      rtt = await topo.run(topo.client, "timeout", ["10", process.execPath, "-e", RTT_SCRIPT]).then(Number, () => NaN);
      if (Number.isNaN(rtt)) await sleep(250);
    }
    if (Number.isNaN(rtt)) throw new Error(`the echo did not answer through ${hops} hop(s): ${out.stderr}`);
    const iperf = await runIperf(topo, topo.client, HOPS.internetAddress, SECONDS, 4);
    log(`${hops} hop(s): ${iperf.mbps.toFixed(0)} Mbit/s, echo ${rtt.toFixed(3)} ms`);
    return { mbps: iperf.mbps, rttMs: rtt };
  } finally {
    cli.kill("SIGINT");
    await Promise.race([exited, sleep(60_000)]);
  }
}

const tag = `bh${process.pid % 100000}`;
const lab = await startTwoHopLab(tag);
let out: Record<string, unknown>;
try {
  const { topo } = lab;
  // The exit answers the client's own address (one hop) through the entry's namespace.
  await topo.run(lab.exitNs, "ip", ["route", "add", `${TOPOLOGY.clientAddress}/32`, "via", HOPS.entryToExit]);
  topo.spawn(topo.internet, "iperf3", ["-s", "-B", HOPS.internetAddress]);
  topo.spawn(topo.internet, process.execPath, [
    "-e",
    `require("net").createServer((c) => { c.setNoDelay(true); c.on("data", (d) => c.write(d)); }).listen(5281, "${HOPS.internetAddress}")`,
  ]);
  await sleep(500);
  const rounds: { one: Measure; two: Measure }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const one = await measure(lab, 1, 2 * r);
    const two = await measure(lab, 2, 2 * r + 1);
    rounds.push({ one, two });
  }
  const throughputRatio = median(rounds.map((r) => r.two.mbps / r.one.mbps));
  const latencyRatio = median(rounds.map((r) => r.two.rttMs / r.one.rttMs));
  out = {
    benchmark: "hops",
    date: new Date().toISOString(),
    machine: await machineInfo(),
    rounds: ROUNDS,
    seconds: SECONDS,
    oneHop: {
      mbps: round(median(rounds.map((r) => r.one.mbps)), 4),
      rttMs: round(median(rounds.map((r) => r.one.rttMs)), 3),
    },
    twoHops: {
      mbps: round(median(rounds.map((r) => r.two.mbps)), 4),
      rttMs: round(median(rounds.map((r) => r.two.rttMs)), 3),
    },
    throughputRatio: round(throughputRatio, 3),
    latencyRatio: round(latencyRatio, 3),
    perRound: rounds.map((r) => ({
      oneHopMbps: round(r.one.mbps, 4),
      twoHopsMbps: round(r.two.mbps, 4),
      oneHopRttMs: round(r.one.rttMs, 3),
      twoHopsRttMs: round(r.two.rttMs, 3),
    })),
  };
} finally {
  await lab.stop();
}
writeJson(file, out);
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
