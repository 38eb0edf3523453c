/**
 * The project's one set-up (scripts/setup.sh) is what every README command goes through, and it
 * brings a tree without compiled contracts to a working one by itself.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };

/** Scripts that only format files; every other script runs project code. */
const TOOL_ONLY = new Set(["format"]);

test("every npm script reaches the project's set-up through scripts/run", () => {
  for (const [name, command] of Object.entries(pkg.scripts)) {
    assert.match(
      command,
      /^bash scripts\/run( --needs [a-z,]+)? /,
      `npm run ${name} must start with "bash scripts/run" so it gets Node, packages and compiled contracts`,
    );
  }
  const run = readFileSync(join(root, "scripts/run"), "utf8");
  assert.match(run, /^source "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/setup\.sh"$/m);
  assert.ok(run.indexOf("setup.sh") < run.indexOf('exec "$@"'), "scripts/run sets up before it runs the command");
  assert.match(readFileSync(join(root, "bin/dvpn"), "utf8"), /^source "\$root\/scripts\/setup\.sh"/m);
});

test("the commands that use the data plane or PostgreSQL ask the set-up for them", () => {
  const needs = (name: string): string[] => /--needs ([a-z,]+)/.exec(pkg.scripts[name] ?? "")?.[1]?.split(",") ?? [];
  for (const name of ["demo", "test", "chaos", "agent", "bench:dataplane"]) {
    assert.ok(needs(name).includes("dataplane"), `npm run ${name} needs the data plane`);
  }
  for (const name of ["demo", "test", "chaos", "indexer", "bench:indexer"]) {
    assert.ok(needs(name).includes("postgres"), `npm run ${name} needs PostgreSQL`);
  }
  for (const name of TOOL_ONLY) assert.deepEqual(needs(name), []);
});

/** A copy of what the contracts step reads, with the real packages linked in (timestamps kept). */
function contractsTree(): string {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-setup-"));
  for (const p of ["contracts", "hardhat.config.ts", "package.json", "package-lock.json", "scripts", "sdk/src/abi"]) {
    cpSync(join(root, p), join(dir, p), { recursive: true, preserveTimestamps: true });
  }
  for (const p of ["node_modules", ".tools"]) symlinkSync(join(root, p), join(dir, p));
  return dir;
}

function plan(dir: string): string {
  const r = spawnSync("bash", [join(dir, "scripts/setup.sh"), "--plan"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return /^contracts: (.*)$/m.exec(r.stdout)?.[1] ?? "";
}

test("the contracts are rebuilt when missing or older than their sources, and only then", () => {
  const dir = contractsTree();
  try {
    assert.equal(plan(dir), "compile: never built");
    // First run on a tree that has never been built: compiles and checks the ABIs (CI mode, so
    // the committed sdk/src/abi must match what the contracts compile to).
    const env = { ...process.env, CI: "true", DVPN_NEEDS: "" };
    const read =
      "JSON.parse(require('fs').readFileSync('artifacts/contracts/DVPNToken.sol/DVPNToken.json','utf8')).abi.length";
    const first = spawnSync("bash", ["scripts/run", "node", "-p", read], { cwd: dir, env, encoding: "utf8" });
    assert.equal(first.status, 0, first.stderr);
    assert.ok(Number(first.stdout.trim()) > 0, "the compiled token has an ABI");
    assert.match(first.stderr, /contracts: never built → hardhat build/);
    assert.equal(plan(dir), "up to date");

    // Nothing changed: the set-up says nothing and does nothing.
    const again = spawnSync("bash", ["scripts/run", "true"], { cwd: dir, env, encoding: "utf8" });
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stderr, "");

    // A source newer than the last build: the next command rebuilds first.
    const source = join(dir, "contracts/DVPNToken.sol");
    const later = new Date(Date.now() + 5_000);
    utimesSync(source, later, later);
    assert.equal(plan(dir), "compile: contracts/DVPNToken.sol changed since the last build");
    assert.ok(existsSync(join(dir, "artifacts/.dvpn-build-stamp")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the daemons a newcomer starts answer --help with their options and exit 0", () => {
  for (const [entry, flag] of [
    ["indexer/src/main.ts", "--database-url"],
    ["gateway-agent/src/main.ts", "--rpc-url"],
  ] as const) {
    const r = spawnSync(process.execPath, [entry, "--help"], { cwd: root, encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, `${entry} --help: ${r.stderr}`);
    assert.match(r.stdout, /^usage: npm run /);
    assert.ok(r.stdout.includes(flag), `${entry} --help lists ${flag}`);
  }
});
