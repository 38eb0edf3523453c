/**
 * `npm run bench:transport [-- --quick]`: what the obfuscated transport costs in throughput. One
 * provider (sdk/test/transportLab.ts: a real agent with wireguard-go and the V2Ray transport
 * server, no censor), and `dvpn connect --up` run in rounds with `--transport wireguard` and
 * `--transport v2ray` in alternating order, each carrying an iperf3 download from the provider's
 * gateway for `duration` seconds. Figures: Mbit/s of each (median, min, max) and the ratio of
 * v2ray to plain WireGuard per round and of the medians, all in the same run.
 * Writes bench/results/transport.json (quick: bench/results/quick/transport.json, or
 * $DVPN_BENCH_RESULTS_DIR) and prints it.
 */
import { join } from "node:path";
import { dataPlaneUnavailableReason } from "../scripts/lib/netns.ts";
import { startTransportLab } from "../sdk/test/transportLab.ts";
import { machineInfo } from "./lib/machine.ts";
import { resultsDir, writeJson } from "./lib/results.ts";
import { median, round, roundSummary, summarize } from "./lib/stats.ts";

const quick = process.argv.includes("--quick") || process.env.DVPN_BENCH_QUICK === "1";
const rounds = quick ? 1 : 3;
const duration = quick ? 3 : 8;
const file = join(resultsDir(quick), "transport.json");
const log = (l: string) => process.stderr.write(`[transport] ${l}\n`);

const unavailable = await dataPlaneUnavailableReason();
if (unavailable) {
  const out = { benchmark: "transport", unavailable };
  writeJson(file, out);
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  process.exit(0);
}
const lab = await startTransportLab({ tag: `bt${process.pid % 100000}`, censor: false });
const mbit: Record<"wireguard" | "v2ray", number[]> = { wireguard: [], v2ray: [] };
const ratios: number[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (["wireguard", "v2ray"] as const) : (["v2ray", "wireguard"] as const);
    const got: Partial<Record<"wireguard" | "v2ray", number>> = {};
    for (const mode of order) {
      const run = lab.connect(["--transport", mode, "--no-failover"]);
      await run.waitFor(/tunnel \S+ up/, 120_000);
      const t = await lab.iperf(duration);
      const code = await run.stop();
      if (code !== 0)
        throw new Error(`dvpn connect --transport ${mode} ended with ${code}: ${run.stderr().slice(-2000)}`);
      got[mode] = t.bitsPerSecond / 1e6;
      mbit[mode].push(got[mode]);
      log(`round ${r + 1} ${mode}: ${got[mode].toFixed(0)} Mbit/s (${t.bytes} bytes)`);
    }
    ratios.push(got.v2ray! / got.wireguard!);
  }
} finally {
  await lab.stop();
}
const wg = summarize(mbit.wireguard);
const v2 = summarize(mbit.v2ray);
const ratio = median(mbit.v2ray) / median(mbit.wireguard);
const out = {
  benchmark: "transport",
  date: new Date().toISOString(),
  machine: await machineInfo(),
  quick,
  rounds,
  durationSeconds: duration,
  method:
    "dvpn connect --up with --transport wireguard and --transport v2ray in alternating order per round, one iperf3 -R download from the provider's gateway each, no censor",
  mbitPerSecond: { wireguard: roundSummary(wg), v2ray: roundSummary(v2) },
  ratioOfMedians: round(ratio, 3),
  ratioPerRound: ratios.map((x) => round(x, 3)),
  summaryMarkdown: [
    `| plain WireGuard | v2ray transport | ratio |`,
    `|---:|---:|---:|`,
    `| ${median(mbit.wireguard).toFixed(0)} Mbit/s | ${median(mbit.v2ray).toFixed(0)} Mbit/s | ${ratio.toFixed(2)} |`,
  ].join("\n"),
};
writeJson(file, out);
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
