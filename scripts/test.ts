/**
 * `npm test`: every test of the project. The project's set-up (scripts/setup.sh, run by
 * scripts/run before this file) has installed Node, the npm packages and the data plane's Debian
 * packages, started PostgreSQL, compiled the contracts and generated (or, under CI, checked) the
 * SDK's ABIs. Then:
 *
 * 1. the generated ABIs are checked against the compiled contracts;
 * 2. type check and lint;
 * 3. every `*.test.ts` under test/, sdk/, indexer/, gateway-agent/, bench/ (the benchmark smoke test) and
 *    scripts/ with node's test runner.
 *
 * Ends with a line `N passed, N failed` and exits non-zero if anything failed.
 * Extra arguments are passed to `node --test` (e.g. `npm test -- --test-name-pattern=claim`).
 * DVPN_TEST_FILES narrows the run to a glob.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, mkdirSync, rmSync } from "node:fs";
import { glob } from "node:fs/promises";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
process.chdir(root);

function step(name: string, cmd: string, args: string[]): void {
  const started = Date.now();
  process.stderr.write(`[test] ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: process.env });
  if (r.status !== 0) {
    console.log(`[test] ${name} failed (exit ${r.status ?? r.signal})`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
  process.stderr.write(`[test] ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

step("generated ABIs up to date", "node", ["scripts/gen-abi.ts", "--check"]);
if (!process.env.DVPN_SKIP_LINT) {
  step("type check", "tsc", ["--noEmit", "-p", "."]);
  step("lint", "node", ["scripts/lint.ts"]);
}

const pattern = process.env.DVPN_TEST_FILES ?? "{test,sdk,indexer,gateway-agent,bench,scripts}/**/*.test.ts";
const files: string[] = [];
for await (const f of glob(pattern, { exclude: (p) => p.includes("node_modules") })) files.push(f);
files.sort();
if (files.length === 0) {
  console.log(`no test files match ${pattern}`);
  process.exit(1);
}

mkdirSync(".data", { recursive: true });
const tap = join(".data", `test-results-${process.pid}.tap`);
rmSync(tap, { force: true });
const r = spawnSync(
  "node",
  [
    "--test",
    "--test-timeout=900000",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tap}`,
    ...process.argv.slice(2),
    ...files,
  ],
  { stdio: "inherit", env: { ...process.env, DVPN_TEST: "1" } },
);

let passed = 0;
let failed = 0;
try {
  const text = readFileSync(tap, "utf8");
  // The summary of the top-level run is the last "# pass"/"# fail" pair in the TAP stream.
  passed = Number([...text.matchAll(/^# pass (\d+)$/gm)].at(-1)?.[1] ?? 0);
  failed = Number([...text.matchAll(/^# fail (\d+)$/gm)].at(-1)?.[1] ?? 0);
} catch {
  failed = 1;
}
if (r.status !== 0 && failed === 0) failed = 1;
rmSync(tap, { force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && r.status === 0 ? 0 : 1);
