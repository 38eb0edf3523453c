/** The data-plane benchmark's command line: sizes and durations of a quick or full run. */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseFlags } from "../lib/args.ts";
import { resultsDir } from "../lib/results.ts";

/** How long and how many runs the benchmark measures. */
export interface DataplaneConfig {
  /** Seconds of each measured iperf3 run. */
  duration: number;
  /** Leading seconds iperf3 leaves out of each run (TCP slow start). */
  omit: number;
  /** Baseline runs per round: at its start, and (full runs) again at its end. */
  baselinesPerRound: number;
  /** Seconds of each discarded warm-up run. */
  warmup: number;
  rounds: number;
  /** Peers on the provider interface in the "many" configuration (the client's peer included). */
  peers: number;
}

/** The parsed command line: the run's config, its topology tag and where the result goes. */
export interface DataplaneRun {
  quick: boolean;
  config: DataplaneConfig;
  /** Names the run's namespaces and interfaces (unique unless given with --tag). */
  tag: string;
  outFile: string;
}

function intFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`--${name} must be an integer from ${min} to ${max} (got ${value})\n`);
    process.exit(2);
  }
  return n;
}

/** Parses `process.argv` (and `DVPN_BENCH_QUICK`); exits 2 with a one-line message on a bad flag. */
export function parseDataplaneRun(): DataplaneRun {
  const flags = parseFlags({
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    rounds: { type: "string" },
    peers: { type: "string" },
    tag: { type: "string" },
    out: { type: "string" },
  });
  const quick = flags.quick || process.env.DVPN_BENCH_QUICK === "1";
  const config: DataplaneConfig = {
    duration: intFlag("duration", flags.duration, quick ? 2 : 5, 1, 120),
    omit: quick ? 0 : 1,
    baselinesPerRound: quick ? 1 : 2,
    warmup: quick ? 1 : 3,
    rounds: intFlag("rounds", flags.rounds, quick ? 3 : 20, 1, 50),
    peers: intFlag("peers", flags.peers, quick ? 100 : 1000, 2, 60_000),
  };
  return {
    quick,
    config,
    tag: flags.tag ?? `bd${randomBytes(3).toString("hex").slice(0, 5)}`,
    outFile: flags.out ?? join(resultsDir(quick), "dataplane.json"),
  };
}
