/**
 * The chaos suite in its short mode, inside the everyday tests: `scripts/chaos.ts --short` runs
 * every chaos suite as a child process and must report no lost data, no double payment and no
 * crash in any category, and every suite test passing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const root = join(import.meta.dirname, "../..");

describe("chaos: short suite", () => {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-chaos-test-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("loses nothing, pays nothing twice and crashes nothing", () => {
    const out = join(dir, "chaos.json");
    const r = spawnSync(process.execPath, ["scripts/chaos.ts", "--short", "--out", out], {
      cwd: root,
      encoding: "utf8",
      timeout: 600_000,
      env: { ...process.env, DVPN_CHAOS_REPORT: "" },
    });
    assert.equal(r.status, 0, `chaos --short failed:\n${r.stdout}\n${r.stderr.slice(-4000)}`);
    const result = JSON.parse(readFileSync(out, "utf8")) as {
      mode: string;
      testsFailed: number;
      testsPassed: number;
      totals: Record<string, number>;
      categories: { category: string; dataLost: number; doublePayments: number; crashes: number }[];
    };
    assert.equal(result.mode, "short");
    assert.equal(result.testsFailed, 0);
    assert.ok(result.testsPassed > 0);
    assert.ok(result.categories.length >= 5, `categories: ${result.categories.map((c) => c.category).join(", ")}`);
    for (const c of result.categories) {
      assert.deepEqual([c.dataLost, c.doublePayments, c.crashes], [0, 0, 0], c.category);
    }
    assert.ok(result.totals.faultsInjected! > 0, "faults were injected");
    assert.ok(result.totals.badInputsTried! > 0, "bad inputs were tried");
  });
});
