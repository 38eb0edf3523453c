/** What every part of `bench:indexer` shares: flags, sizes, the log line, clean-ups, rounding. */
import { readFileSync } from "node:fs";
import { parseFlags } from "../lib/args.ts";
import { round, type Summary } from "../lib/stats.ts";

/** The parts of the benchmark, in the order a full run measures them. */
export const PARTS = ["graphql", "live", "replica", "backfill"] as const;
export type Part = (typeof PARTS)[number];

const flags = parseFlags({ quick: { type: "boolean" }, part: { type: "string" }, events: { type: "string" } });
export const quick = flags.quick === true || process.env.DVPN_BENCH_QUICK === "1";
/**
 * Parts a quick run measures unless --part names others: the live and replica parts start a
 * server child or two clusters, which would take a quick run past its budget.
 */
const QUICK_PARTS: Part[] = ["graphql", "backfill"];
/** With --part a,b only those parts run; the others are taken from the result file of an earlier run. */
export const parts: Part[] = (flags.part ?? (quick ? QUICK_PARTS : PARTS).join(",")).split(",").map((p) => {
  if (!(PARTS as readonly string[]).includes(p)) {
    process.stderr.write(`--part takes ${PARTS.join(", ")} or a comma-separated list (got ${JSON.stringify(p)})\n`);
    process.exit(2);
  }
  return p as Part;
});
export const partial = flags.part !== undefined;

/** Sizes and run lengths; `backfillRounds[i]` measured rounds at `events[i]`. */
const SIZES = quick
  ? {
      events: [2_000, 10_000],
      backfillRounds: [1, 1],
      /** PGlite's cold start alone takes seconds: quick runs index into PostgreSQL only. */
      pglite: false,
      beaters: 2,
      perTx: 2500,
      providers: [100, 1_000],
      sessionsPerProvider: 10,
      graphqlRounds: 1,
      /** Warm-up per query: a number of requests (quick) or seconds (full). */
      warmup: { amount: 50 } as { amount: number } | { duration: number },
      seconds: 1,
      connections: 8,
      /** SSE subscribers on one server, and the blocks whose changes are timed at each count. */
      subscribers: [100, 1_000],
      liveBlocks: 2,
      replicaProviders: 1_000,
    }
  : {
      events: [10_000, 100_000, 1_000_000],
      backfillRounds: [3, 2, 1],
      pglite: true,
      beaters: 20,
      perTx: 2500,
      providers: [1_000, 10_000, 100_000],
      sessionsPerProvider: 10,
      graphqlRounds: 3,
      warmup: { duration: 2 } as { amount: number } | { duration: number },
      seconds: 5,
      connections: 16,
      subscribers: [100, 1_000, 10_000],
      liveBlocks: 5,
      replicaProviders: 10_000,
    };

/**
 * `--events 10000,100000` measures the backfill at those sizes only (each with the rounds of its
 * size in the default list, else 1): a complete run at the sizes a busy machine can afford.
 */
function backfillSizes(): { events: number[]; backfillRounds: number[] } {
  if (flags.events === undefined) return SIZES;
  const events = flags.events.split(",").map(Number);
  if (events.some((n) => !Number.isInteger(n) || n < 1) || events.some((n, i) => i > 0 && n <= events[i - 1]!)) {
    process.stderr.write(
      `--events takes increasing event counts, e.g. 10000,100000 (got ${JSON.stringify(flags.events)})\n`,
    );
    process.exit(2);
  }
  return { events, backfillRounds: events.map((n) => SIZES.backfillRounds[SIZES.events.indexOf(n)] ?? 1) };
}
export const CONFIG = { ...SIZES, ...backfillSizes() };

/** Cleanups run on SIGTERM/SIGINT too (the bench orchestrator stops an overrunning benchmark). */
export const cleanups = new Set<() => Promise<void>>();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void Promise.allSettled([...cleanups].map((fn) => fn())).then(() => process.exit(143));
  });
}

/** Runs `fn` with `cleanup` registered for a signal in between, then cleans up. */
export async function withCleanup<T>(cleanup: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
  cleanups.add(cleanup);
  try {
    return await fn();
  } finally {
    cleanups.delete(cleanup);
    await cleanup();
  }
}

const t00 = performance.now();
export const log = (line: string) =>
  process.stderr.write(`[bench:indexer] ${((performance.now() - t00) / 1000).toFixed(1)} s: ${line}\n`);

/** A summary rounded for publication (4 significant digits), without the run list. */
export const pub = (s: Summary, digits = 4) => ({
  median: round(s.median, digits),
  min: round(s.min, digits),
  max: round(s.max, digits),
  n: s.n,
  values: s.values.map((v) => round(v, digits)),
});
export type Pub = ReturnType<typeof pub>;

/** Resident memory of a process in MiB from /proc, or null when it cannot be read. */
export function rssMiB(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}
