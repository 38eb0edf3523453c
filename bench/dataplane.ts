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
 *
 * Parts: the command line (dataplane/config.ts), the lab in the namespaces (dataplane/lab.ts), the
 * rounds (dataplane/rounds.ts), the figures (dataplane/result.ts) and further sections, each in a
 * file of its own, that run after the rounds in the same lab (dataplane/sections.ts).
 */
import { createTopology, dataPlaneUnavailableReason, type Topology } from "../scripts/lib/netns.ts";
import { createShutdown } from "../sdk/src/shutdown/createShutdown.ts";
import { machineInfo } from "./lib/machine.ts";
import { writeJson } from "./lib/results.ts";
import type { Series } from "./lib/series.ts";
import { parseDataplaneRun } from "./dataplane/config.ts";
import { startDataplaneLab } from "./dataplane/lab.ts";
import { buildResult } from "./dataplane/result.ts";
import { measureRounds } from "./dataplane/rounds.ts";
import { dataplaneSections } from "./dataplane/sections.ts";

const { quick, config, tag, outFile } = parseDataplaneRun();
const log = (line: string) => process.stderr.write(`[dataplane] ${line}\n`);

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
    const lab = await startDataplaneLab(topology, config.peers);
    const runs = await measureRounds(lab, config, log);
    const core = buildResult({
      config,
      quick,
      startedAt,
      machine,
      runs,
      addMs: lab.addMs,
      removeMs: lab.removeMs,
    });
    const sections: Record<string, unknown> = {};
    const series: Series[] = [...core.series];
    for (const section of dataplaneSections) {
      if (section.name in core || section.name in sections)
        throw new Error(`section name ${section.name} is taken in dataplane.json`);
      log(`section ${section.name}`);
      const r = await section.run({ lab, config, quick, log, shutdown });
      sections[section.name] = r.figures;
      series.push(...(r.series ?? []));
    }
    const result = { ...core, ...sections, finishedAt: new Date().toISOString(), series };
    writeJson(outFile, result);
    console.log(JSON.stringify(result, null, 2));
    log(`wrote ${outFile}`);
  } finally {
    await shutdown.shutdown();
  }
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
