/**
 * `npm run bench:failover`: how long `dvpn connect --up` is without service when its provider
 * dies, and what each provider was paid. One run of sdk/test/failoverLab.ts (two real agents with
 * wireguard-go in network namespaces, the client's kill switch, a ~2 MiB/s download through the
 * tunnel; SIGKILL of the first provider's agent and wireguard-go mid-transfer). The outage is
 * counted from the kill to the first byte received through the second provider (the client's
 * grace is 5 s here, `--grace 5`); payments are read from the chain after the client's Ctrl-C.
 * Writes bench/results/failover.json (or $DVPN_BENCH_RESULTS_DIR) and prints it.
 */
import { join } from "node:path";
import { dataPlaneUnavailableReason } from "../scripts/lib/netns.ts";
import { runFailoverLab } from "../sdk/test/failoverLab.ts";
import { machineInfo } from "./lib/machine.ts";
import { resultsDir, writeJson } from "./lib/results.ts";

const quick = process.argv.includes("--quick");
const file = join(resultsDir(quick), "failover.json");
const unavailable = await dataPlaneUnavailableReason();
if (unavailable) {
  const out = { benchmark: "failover", unavailable };
  writeJson(file, out);
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  process.exit(0);
}
const run = await runFailoverLab({
  tag: `bf${process.pid % 100000}`,
  afterSeconds: 3,
  log: (l) => process.stderr.write(`[failover] ${l}\n`),
});
const out = {
  benchmark: "failover",
  date: new Date().toISOString(),
  machine: await machineInfo(),
  graceSeconds: 5,
  outageMs: run.outageMs,
  detectMs: run.detectMs,
  leakProbes: run.leakProbes,
  leaks: run.leaks,
  capture: run.capture ? { packets: run.capture.packets, outside: run.capture.outside.length } : null,
  bytesThroughFirst: run.bytesFirst,
  bytesThroughSecond: run.bytesSecond,
  providers: run.sessions.map((s) => ({
    which: s.which,
    provider: s.provider,
    sessionId: s.sessionId,
    left: s.left,
    status: s.status,
    paid: s.paid,
    claimedBytes: s.claimedBytes,
    signedBytes: s.signedBytes,
    owedAtMost: s.owedAtMost,
  })),
  summaryMarkdown: [
    `| outage (kill → first byte through the next provider) | ${run.outageMs} ms |`,
    `|---|---:|`,
    ...run.sessions.map(
      (s) => `| ${s.which} provider paid (session ${s.sessionId}, ${s.status}) | ${s.paid} base units |`,
    ),
  ].join("\n"),
};
writeJson(file, out);
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
