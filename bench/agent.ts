/**
 * `npm run bench:agent [-- --quick]`: gateway-agent figures on this machine, measured, not asserted.
 *
 * 1. Reconcile at scale (bench/agent/reconcile.ts): a real wireguard-go interface in a network
 *    namespace of its own and 100, 1,000 and 10,000 live sessions in the agent's store: time and
 *    `wg`/`ip` calls for the first fill, a steady-state pass (nothing to change), passes repairing
 *    a diff of 1 and of 100 peers (half missing, half unknown; median, min and max of several runs
 *    after a warm-up), a pass repairing 1 % drift, and a full restore after wireguard-go is killed.
 * 2. Chain to peer (bench/agent/chainToPeer.ts): a `hardhat node`, the protocol deployed, a
 *    provider registered and the agent in-process (confirmations 0, chain poll 250 ms): time from
 *    SessionOpened mined to the peer on the interface and to acceptSession mined, per session;
 *    then sessions opened back to back to measure how many opens per minute the agent provisions
 *    and accepts.
 *
 * Prints the JSON to stdout and writes bench/results/agent.json (DVPN_BENCH_RESULTS_DIR when set,
 * bench/results/quick/ for --quick). Needs root, /dev/net/tun and wireguard-go.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { dataPlaneUnavailable } from "../gateway-agent/src/testing/netns.ts";
import { chainToPeer } from "./agent/chainToPeer.ts";
import { reconcileAtScale, type ScalePoint } from "./agent/reconcile.ts";
import { resultsDir, writeJson } from "./lib/results.ts";

const { values: flags } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const quick = flags.quick || process.env.DVPN_BENCH_QUICK === "1";
const log = (line: string) => process.stderr.write(`[bench:agent] ${line}\n`);
/** When this run started: result files carry their own date (a file's modification time is a clone's). */
const date = new Date().toISOString();

const unavailable = dataPlaneUnavailable();
if (unavailable) {
  const out = { status: "unavailable", reason: unavailable };
  console.log(JSON.stringify(out, null, 2));
  writeJson(join(resultsDir(quick), "agent.json"), out);
  process.exit(0);
}

const sizes = quick ? [100, 1000] : [100, 1000, 10_000];
const scale: ScalePoint[] = [];
for (const n of sizes) {
  log(`reconcile with ${n} peers`);
  scale.push(await reconcileAtScale(n, quick ? 3 : 5));
  log(`  ${JSON.stringify(scale.at(-1))}`);
}
const chainFigures = await chainToPeer(quick ? 3 : 20, quick ? 10 : 200, log);

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
  date,
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
