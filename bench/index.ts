/**
 * `npm run bench [-- --quick] [-- --only dataplane,gas]`: every benchmark, one after another
 * (never in parallel: they would measure each other), each as a child process bounded by a
 * time budget. Merges their result files into one JSON with the machine description, renders a
 * chart per measured series and a markdown summary with a growth sentence per series, and
 * prints the summary.
 *
 * Full runs publish: bench/results/latest.json, bench/results/<date>.json,
 * bench/results/summary.md and docs/perf/<series>.svg. Quick runs (`--quick`, under two
 * minutes) write the same files under bench/results/quick/ (not committed) so they never
 * replace published figures. `--results-dir` and `--charts-dir` override both. With `--reuse`,
 * benchmarks left out by `--only` are taken from their published result files, labelled as reused;
 * `--merge` runs none and re-merges all published result files.
 *
 * A sub-benchmark that is missing, fails or overruns its budget is reported as such; no
 * figure is ever filled in for it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { renderChart } from "./lib/charts.ts";
import { analyseGrowth, type Growth } from "./lib/growth.ts";
import { parseFlags } from "./lib/args.ts";
import { machineInfo, type MachineInfo } from "./lib/machine.ts";
import { mtimeMs, RESULTS_DIR, ROOT, writeJson } from "./lib/results.ts";
import { runChild } from "./lib/runChild.ts";
import { dataplaneSection, genericSection, indexerSection, type Section } from "./lib/sections.ts";
import type { Series } from "./lib/series.ts";
import { sweepTopology } from "./lib/sweep.ts";

/** A sub-benchmark: its script, its result file name and its time budgets in seconds. */
interface SubBench {
  name: string;
  title: string;
  script: string;
  budget: { quick: number; full: number };
  section: (result: unknown) => Section;
}

/**
 * Quick budgets add up to 105 s, each about what the sub-benchmark takes on a busy 2-core
 * machine plus a margin (gas ≈ 6 s, indexer 30–50 s, agent ≈ 15 s, data plane ≈ 28 s). They are
 * reserves, not caps: time a quick sub-benchmark leaves unused passes to the next ones, and all
 * of them must end within {@link QUICK_DEADLINE_SECONDS} of the start, leaving room for charts
 * and the summary within two minutes.
 */
const BENCHES: SubBench[] = [
  {
    name: "gas",
    title: "Gas per operation",
    script: "bench/gas.ts",
    budget: { quick: 10, full: 900 },
    section: (r) => genericSection("gas", r),
  },
  {
    name: "indexer",
    title: "Indexer backfill and GraphQL",
    script: "bench/indexer.ts",
    budget: { quick: 40, full: 5400 },
    section: indexerSection,
  },
  {
    name: "agent",
    title: "Gateway agent",
    script: "bench/agent.ts",
    budget: { quick: 20, full: 1800 },
    section: (r) => genericSection("agent", r),
  },
  {
    name: "dataplane",
    title: "Data plane (WireGuard)",
    script: "bench/dataplane.ts",
    budget: { quick: 35, full: 900 },
    section: dataplaneSection,
  },
];

// Ctrl-C / SIGTERM: the running child's group is stopped (see runChild), the rest is skipped,
// and what was measured so far is still written.
let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => (interrupted = true));

/** Seconds from the start by which every quick sub-benchmark must have ended. */
const QUICK_DEADLINE_SECONDS = 110;

const flags = parseFlags({
  quick: { type: "boolean", default: false },
  only: { type: "string" },
  "results-dir": { type: "string" },
  "charts-dir": { type: "string" },
  reuse: { type: "boolean", default: false },
  merge: { type: "boolean", default: false },
});
const quick = flags.quick;
// --merge runs nothing: it re-merges the published result files (charts and summary included).
const only = flags.merge ? [] : (flags.only?.split(",").map((s) => s.trim()) ?? BENCHES.map((b) => b.name));
if (flags.merge) flags.reuse = true;
for (const name of only) {
  if (!BENCHES.some((b) => b.name === name)) {
    process.stderr.write(`--only: unknown benchmark "${name}" (known: ${BENCHES.map((b) => b.name).join(", ")})\n`);
    process.exit(2);
  }
}
const resultsDir = flags["results-dir"] ?? (quick ? join(RESULTS_DIR, "quick") : RESULTS_DIR);
const chartsDir = flags["charts-dir"] ?? (quick ? join(resultsDir, "charts") : join(ROOT, "docs", "perf"));
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** A path for messages: relative to the repository when inside it. */
function show(path: string): string {
  const r = relative(ROOT, path);
  return r.startsWith("..") ? path : r || ".";
}

/** The outcome of one sub-benchmark in the merged JSON. */
interface BenchOutcome {
  status: "ok" | "reused" | "unavailable" | "failed" | "timed out" | "missing" | "not selected";
  seconds?: number;
  budgetSeconds?: number;
  reason?: string;
  result?: unknown;
}

function gitInfo(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: ROOT }).toString().trim() !== "";
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

async function runBench(b: SubBench, budgetSeconds: number): Promise<BenchOutcome> {
  if (!existsSync(join(ROOT, b.script))) return { status: "missing", reason: `${b.script} does not exist yet` };
  const file = join(resultsDir, `${b.name}.json`);
  // Sub-benchmarks that do not read DVPN_BENCH_RESULTS_DIR write to bench/results/ directly.
  const candidates = [...new Set([file, join(RESULTS_DIR, `${b.name}.json`)])];
  const startedMs = Date.now();
  const tag = `bo${Math.random().toString(36).slice(2, 7)}`;
  const args = ["scripts/run", "node", b.script, ...(quick ? ["--quick"] : [])];
  if (b.name === "dataplane") args.push("--tag", tag);
  log(`${b.name}: ${args.slice(2).join(" ")} (budget ${budgetSeconds} s)`);
  const outcome = await runChild({
    name: b.name,
    cmd: "bash",
    args,
    cwd: ROOT,
    env: { ...process.env, DVPN_BENCH_RESULTS_DIR: resultsDir, ...(quick ? { DVPN_BENCH_QUICK: "1" } : {}) },
    timeoutMs: budgetSeconds * 1000,
  });
  if (b.name === "dataplane") await sweepTopology(tag);
  const seconds = Math.round(outcome.seconds * 10) / 10;
  // The reason of a failure: the last line that names an error (a stack trace ends with noise
  // such as "Node.js v24"), else the last line.
  const lines = outcome.stderrTail.map((l) => l.trim()).filter(Boolean);
  const lastLine = lines.findLast((l) => /(\w*Error\b|error:|failed|cannot|refused)/i.test(l)) ?? lines.at(-1);
  if (interrupted) return { status: "failed", seconds, budgetSeconds, reason: "interrupted (SIGINT/SIGTERM)" };
  if (outcome.timedOut)
    return { status: "timed out", seconds, budgetSeconds, reason: `exceeded its ${budgetSeconds} s budget` };
  if (outcome.code !== 0)
    return {
      status: "failed",
      seconds,
      budgetSeconds,
      reason: `exit ${outcome.code ?? "by signal"}: ${lastLine ?? "no output"}`,
    };
  const fresh = candidates.find((f) => (mtimeMs(f) ?? 0) >= startedMs - 1000);
  if (!fresh)
    return {
      status: "failed",
      seconds,
      budgetSeconds,
      reason: `exited 0 but wrote none of ${candidates.map((c) => show(c)).join(", ")}`,
    };
  let result: unknown;
  try {
    result = JSON.parse(readFileSync(fresh, "utf8"));
  } catch (err) {
    return {
      status: "failed",
      seconds,
      budgetSeconds,
      reason: `${show(fresh)} is not JSON: ${(err as Error).message}`,
    };
  }
  const status = (result as { status?: unknown }).status;
  if (status === "unavailable")
    return {
      status: "unavailable",
      seconds,
      budgetSeconds,
      reason: String((result as { reason?: unknown }).reason ?? "unavailable"),
      result,
    };
  return { status: "ok", seconds, budgetSeconds, result };
}

/**
 * With `--reuse`, a benchmark left out by `--only` is taken from the result file an earlier run
 * wrote (bench/results/<name>.json; quick: bench/results/quick/) and labelled as such.
 */
function reuse(b: SubBench): BenchOutcome {
  const file = join(resultsDir, `${b.name}.json`);
  if (!flags.reuse) return { status: "not selected" };
  if (!existsSync(file))
    return { status: "not selected", reason: `no result file from an earlier run (${show(file)})` };
  try {
    const result = JSON.parse(readFileSync(file, "utf8")) as { startedAt?: unknown; date?: unknown; quick?: unknown };
    // A file without a date says so: its modification time is when it was written here (a clone, a checkout), not run.
    const when = String(result.startedAt ?? result.date ?? "undated");
    // A quick result among full ones (or the reverse) is said so: the sizes differ.
    const kind = result.quick === true ? "quick" : result.quick === false ? "full" : "earlier";
    return {
      status: "reused",
      reason: `not run now: figures of a${kind === "earlier" ? "n" : ""} ${kind} run (${when}) from ${show(file)}`,
      result,
    };
  } catch (err) {
    return { status: "failed", reason: `--reuse: ${show(file)} is not JSON: ${(err as Error).message}` };
  }
}

/**
 * A full run gives each sub-benchmark its full budget. A quick run gives it what is left before
 * the deadline minus the reserves of the selected sub-benchmarks after it (at least its own reserve).
 */
function budgetFor(b: SubBench, t0: number): number {
  if (!quick) return b.budget.full;
  const later = BENCHES.slice(BENCHES.indexOf(b) + 1).filter((l) => only.includes(l.name));
  const left = QUICK_DEADLINE_SECONDS - (performance.now() - t0) / 1000 - later.reduce((s, l) => s + l.budget.quick, 0);
  return Math.max(b.budget.quick, Math.floor(left));
}

/**
 * The subtitle of the charts of one benchmark: the kind and day of the run its figures come from
 * (a reused result keeps its own) and the machine it recorded; the machine running now only for
 * figures measured now. A result that recorded no date or machine says so.
 */
function chartSubtitle(outcome: BenchOutcome, now: { quick: boolean; machine: MachineInfo }): string {
  const r = (outcome.result ?? {}) as {
    startedAt?: unknown;
    date?: unknown;
    quick?: unknown;
    machine?: { cores?: unknown; cpuModel?: unknown };
  };
  const measuredNow = outcome.status === "ok";
  const when = r.startedAt ?? r.date;
  const day = typeof when === "string" ? when.slice(0, 10) : "undated";
  const isQuick = measuredNow ? now.quick : r.quick === true;
  const kind = measuredNow || typeof r.quick === "boolean" ? (isQuick ? "quick run" : "full run") : "run";
  const m = measuredNow ? now.machine : r.machine;
  const where =
    typeof m?.cores === "number" && typeof m.cpuModel === "string"
      ? `${m.cores} cores ${m.cpuModel}`
      : "machine not recorded";
  return `${kind} ${day} · ${where} · medians, bars min–max`;
}

function machineLine(m: MachineInfo): string {
  const v = m.versions;
  return (
    `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}, load ${m.loadAverage1m} at start; ` +
    `Node ${v.node}, hardhat ${v.hardhat}, solc ${v.solc}, viem ${v.viem}, graphql-yoga ${v["graphql-yoga"]}, ` +
    `PostgreSQL ${v.postgresql}, wireguard-go ${v["wireguard-go"]}, wireguard-tools ${v["wireguard-tools"]}, iperf3 ${v.iperf3}`
  );
}

async function main(): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  const machine = await machineInfo();
  const git = gitInfo();
  log(
    flags.merge
      ? `merging the result files in ${show(resultsDir)}`
      : `${quick ? "quick" : "full"} run of ${only.join(", ")}; results → ${show(resultsDir)}`,
  );

  const benchmarks: Record<string, BenchOutcome> = {};
  for (const b of BENCHES) {
    if (interrupted && only.includes(b.name)) benchmarks[b.name] = { status: "failed", reason: "not run: interrupted" };
    else benchmarks[b.name] = only.includes(b.name) ? await runBench(b, budgetFor(b, t0)) : reuse(b);
    log(
      `${b.name}: ${benchmarks[b.name]!.status}${benchmarks[b.name]!.reason ? ` (${benchmarks[b.name]!.reason})` : ""}`,
    );
  }

  // Sections, series, growth and charts.
  const sections: { bench: SubBench; section: Section }[] = [];
  const noSeries: string[] = [];
  for (const b of BENCHES) {
    const o = benchmarks[b.name]!;
    if (o.status !== "ok" && o.status !== "reused") continue;
    let section: Section;
    try {
      section = b.section(o.result);
    } catch (err) {
      // The figures are fine, the summary's reader is behind their shape: show them generically.
      const generic = genericSection(b.name, o.result);
      const note = `(The summary could not read this result's fields: ${(err as Error).message}.)`;
      section = { ...generic, markdown: `${generic.markdown}\n\n${note}` };
    }
    sections.push({ bench: b, section });
    if (section.series.length === 0) noSeries.push(b.name);
  }
  const series: Series[] = sections.flatMap((s) => s.section.series);
  const growth: Growth[] = series.flatMap(analyseGrowth);
  mkdirSync(chartsDir, { recursive: true });
  const charts: Record<string, string> = {};
  for (const { bench, section } of sections) {
    const subtitle = chartSubtitle(benchmarks[bench.name]!, { quick, machine });
    for (const s of section.series) {
      const file = join(chartsDir, `${s.id}.svg`);
      writeFileSync(file, (await renderChart(s, subtitle)) + "\n");
      charts[s.id] = relative(ROOT, file);
    }
  }

  const totalSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const latest = {
    schema: 1,
    mode: quick ? "quick" : "full",
    /** True when at least one benchmark's figures were taken from an earlier run (--reuse, --merge). */
    reused: Object.values(benchmarks).some((o) => o.status === "reused"),
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    totalSeconds,
    git,
    machine,
    method:
      "Each figure is the median of several measured runs after warm-up runs, with min and max; ratios are " +
      "taken against a baseline measured in the same run, since the machine is shared and noisy.",
    benchmarks,
    series: series.map((s) => ({ ...s, chart: charts[s.id] ?? null })),
    growth,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeJson(join(resultsDir, "latest.json"), latest);
  writeJson(join(resultsDir, `${started.toISOString().slice(0, 10)}.json`), latest);

  const summaryFile = join(resultsDir, "summary.md");
  const link = (id: string) => relative(resultsDir, join(ROOT, charts[id]!));
  const md: string[] = [
    `# Benchmarks — ${quick ? "quick" : "full"} run${flags.merge ? "s merged" : ""}, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    `Commit ${git.commit ?? "unknown"}${git.dirty ? " (with uncommitted changes)" : ""}; ${totalSeconds} s in total.`,
    `Machine: ${machineLine(machine)}.`,
    "",
    "Figures are medians of several measured runs after warm-up, with [min–max]. Ratios are against a baseline " +
      "measured in the same run: this machine is shared, so absolute figures move between runs and ratios much less.",
    "",
    "| benchmark | status | time (s) | budget (s) | note |",
    "|---|---|---:|---:|---|",
    ...BENCHES.map((b) => {
      const o = benchmarks[b.name]!;
      return `| ${b.name} | ${o.status} | ${o.seconds ?? ""} | ${o.budgetSeconds ?? ""} | ${(o.reason ?? "").replaceAll("|", "\\|")} |`;
    }),
  ];
  for (const { bench, section } of sections) md.push("", `## ${bench.title}`, "", section.markdown);
  md.push("", "## How costs grow", "");
  for (const g of growth) md.push(`- ${g.sentence}${charts[g.series] ? ` ([chart](${link(g.series)}))` : ""}`);
  // A series measured at one size only has a chart but no growth to speak of.
  const oneSize = series.filter((s) => !growth.some((g) => g.series === s.id));
  for (const s of oneSize)
    md.push(
      `- ${s.title}: measured at one size only in this run, so no growth is computed` +
        `${charts[s.id] ? ` ([chart](${link(s.id)}))` : ""}.`,
    );
  if (series.length === 0) md.push("No series was measured in this run.");
  const notCharted = [
    ...BENCHES.filter((b) => {
      const o = benchmarks[b.name]!;
      return !["ok", "reused", "not selected"].includes(o.status) || (o.status === "not selected" && o.reason);
    }).map((b) => `${b.name} (${benchmarks[b.name]!.status})`),
    ...noSeries.map((n) => `${n} (its result has no \`series\` yet)`),
  ];
  if (notCharted.length) md.push("", `Not charted in this run: ${notCharted.join(", ")}.`);
  const summary = md.join("\n") + "\n";
  writeFileSync(summaryFile, summary);
  process.stdout.write(summary);
  log(
    `wrote ${show(join(resultsDir, "latest.json"))}, ${show(summaryFile)} and ${series.length} chart(s) in ${totalSeconds} s`,
  );
  // A benchmark that broke or overran fails the command; one that is missing or cannot run here does not.
  if (interrupted) process.exitCode = 130;
  else if (Object.values(benchmarks).some((o) => o.status === "failed" || o.status === "timed out"))
    process.exitCode = 1;
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
