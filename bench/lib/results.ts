/**
 * Where result files live and how they are written: pretty JSON with a trailing newline, so a
 * committed result diffs line by line. Quick runs go to a separate folder that is not
 * committed, so a quick run never overwrites the published full-run figures.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The repository root. */
export const ROOT = join(import.meta.dirname, "..", "..");

/** Published (full-run) results. */
export const RESULTS_DIR = join(ROOT, "bench", "results");

/**
 * Folder a benchmark writes its JSON to: `DVPN_BENCH_RESULTS_DIR` when set (the orchestrator
 * and tests set it), else bench/results/quick for quick runs, else bench/results.
 */
export function resultsDir(quick: boolean): string {
  return process.env.DVPN_BENCH_RESULTS_DIR || (quick ? join(RESULTS_DIR, "quick") : RESULTS_DIR);
}

/** Writes `data` as pretty JSON (creating folders). */
export function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(data, null, 2) + "\n");
}

/** Modification time of `path` in ms, or undefined when it does not exist. */
export function mtimeMs(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
