/**
 * `npm run build:web`: builds the network explorer (indexer/explorer, Vite) into
 * indexer/explorer/dist, which the indexer serves at `/`. Idempotent: it does nothing when the
 * build is newer than every source it is made from (the explorer, the SDK, package-lock.json).
 * `--force` builds anyway. Also callable in-process: `await buildExplorer()`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const explorer = join(root, "indexer/explorer");

/**
 * Whether dist is missing or older than a source (the explorer, the SDK, package-lock.json).
 * The rule lives in one place, the project's set-up: this asks `scripts/setup.sh --plan`.
 */
export function explorerIsStale(): boolean {
  const plan = spawnSync("bash", [join(root, "scripts/setup.sh"), "--plan"], { encoding: "utf8" });
  if (plan.status !== 0) throw new Error(`scripts/setup.sh --plan failed: ${plan.stderr.trim()}`);
  return !/^explorer: up to date$/m.test(plan.stdout);
}

/**
 * Builds the explorer when stale (or always with `force`).
 * @returns whether it built.
 */
export async function buildExplorer(options: { force?: boolean } = {}): Promise<boolean> {
  if (!options.force && !explorerIsStale()) return false;
  const { build } = await import("vite");
  await build({ configFile: join(explorer, "vite.config.ts"), logLevel: "warn" });
  return true;
}

if (import.meta.main) {
  const started = Date.now();
  const built = await buildExplorer({ force: process.argv.includes("--force") });
  process.stdout.write(
    built
      ? `explorer built into indexer/explorer/dist in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
      : "explorer up to date (indexer/explorer/dist is newer than its sources)\n",
  );
}
