/**
 * Smoke test of the benchmark command: `bench/index.ts --quick --only dataplane` runs the
 * orchestrator end to end (child process with a budget, result file, merge, growth, chart,
 * summary) into a temporary folder and writes JSON with the expected keys. It checks shapes and
 * that figures are present, never how fast anything is.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "dvpn-bench-smoke-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // The orchestrator stops its own children on SIGTERM and removes the namespaces they made.
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test("bench --quick --only dataplane writes the merged JSON, summary and chart", { timeout: 150_000 }, async () => {
  const chartsDir = join(dir, "charts");
  const r = await run(
    ["bench/index.ts", "--quick", "--only", "dataplane", "--results-dir", dir, "--charts-dir", chartsDir],
    120_000,
  );
  assert.equal(r.code, 0, `bench exited ${r.code}:\n${r.stderr.slice(-2000)}`);

  const latest = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8"));
  assert.equal(latest.schema, 1);
  assert.equal(latest.mode, "quick");
  assert.ok(latest.machine.cores >= 1);
  assert.equal(typeof latest.machine.cpuModel, "string");
  assert.equal(latest.machine.versions.node, process.versions.node);
  assert.equal(typeof latest.machine.versions.hardhat, "string");
  for (const name of ["gas", "indexer", "agent"]) assert.equal(latest.benchmarks[name].status, "not selected");
  const dated = JSON.parse(readFileSync(join(dir, `${latest.startedAt.slice(0, 10)}.json`), "utf8"));
  assert.deepEqual(dated, latest);

  const summary = readFileSync(join(dir, "summary.md"), "utf8");
  assert.match(summary, /^# Benchmarks — quick run/);
  assert.match(summary, /\| dataplane \| (ok|unavailable) \|/);
  assert.ok(r.stdout.includes(summary.trim()), "the summary is printed");

  const dp = latest.benchmarks.dataplane;
  if (dp.status === "unavailable") {
    // Without root or WireGuard the bench must say why instead of inventing figures.
    assert.ok(dp.reason.length > 0);
    assert.equal(dp.result.throughputMbps, undefined);
    return;
  }
  assert.equal(dp.status, "ok", JSON.stringify(dp));
  const t = dp.result.throughputMbps;
  for (const key of ["noTunnel", "tunnel1Peer", "tunnelManyPeers"]) {
    assert.ok(t[key].median > 0, `${key} median`);
    assert.ok(t[key].min <= t[key].median && t[key].median <= t[key].max, `${key} spread`);
    assert.equal(t[key].values.length, t[key].n);
  }
  assert.equal(dp.result.method.peersMany, 100);
  assert.ok(dp.result.ratios.tunnelOverNoTunnel.ofMedians > 0);
  assert.ok(dp.result.ratios.manyPeersOver1Peer.ofMedians > 0);
  assert.ok(["met", "not met", "inconclusive"].includes(dp.result.goal.verdict));
  assert.equal(latest.series.length, 1);
  assert.equal(latest.series[0].id, "dataplane-throughput-vs-peers");
  assert.equal(latest.growth.length, 1);
  assert.match(latest.growth[0].sentence, /log-log slope/);
  const svg = join(chartsDir, "dataplane-throughput-vs-peers.svg");
  assert.ok(existsSync(svg));
  const text = readFileSync(svg, "utf8");
  assert.match(text, /^<svg[^>]*>[\s\S]*Single-flow TCP throughput[\s\S]*<\/svg>\s*$/);
  // Its subtitle names the run its figures come from (measured now: this quick run, this machine).
  const day = dp.result.startedAt.slice(0, 10);
  assert.ok(
    text.includes(`quick run ${day} · ${latest.machine.cores} cores ${latest.machine.cpuModel}`),
    "the chart's subtitle names its run's day and machine",
  );
});
