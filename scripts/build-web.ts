/**
 * `npm run build:web`: builds the network explorer (indexer/explorer, Vite) into
 * indexer/explorer/dist, which the indexer serves at `/`. Idempotent: it does nothing when the
 * build is newer than every source it is made from (the explorer, the SDK, package-lock.json).
 * `--force` builds anyway. Also callable in-process: `await buildExplorer()`.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const explorer = join(root, "indexer/explorer");
const marker = join(explorer, "dist/index.html");
const sources = [
  join(explorer, "src"),
  join(explorer, "index.html"),
  join(explorer, "vite.config.ts"),
  join(root, "sdk/src"),
  join(root, "package-lock.json"),
];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = s.mtimeMs;
  for (const e of readdirSync(path)) m = Math.max(m, newest(join(path, e)));
  return m;
}

/** Whether dist is missing or older than a source. */
export function explorerIsStale(): boolean {
  return !existsSync(marker) || statSync(marker).mtimeMs < Math.max(...sources.map(newest));
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
