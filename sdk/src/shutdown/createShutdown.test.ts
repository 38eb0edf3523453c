import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { createShutdown } from "./createShutdown.ts";
import { sleep } from "./sleep.ts";

test("closes in reverse order, once, past a failing or hanging close, and aborts the signal first", async () => {
  const lines: string[] = [];
  const shutdown = createShutdown({ timeoutMs: 50, log: (l) => lines.push(l) });
  const order: string[] = [];
  shutdown.add("first", () => void order.push(`first ${shutdown.signal.aborted}`));
  shutdown.add("hanging", () => new Promise<void>(() => {}));
  shutdown.add("failing", () => {
    throw new Error("boom");
  });
  shutdown.add("last", async () => {
    await sleep(1);
    order.push("last");
  });
  assert.equal(shutdown.isKilled, false);
  const a = shutdown.shutdown("test");
  assert.equal(shutdown.shutdown(), a, "one shutdown");
  await a;
  assert.equal(shutdown.isKilled, true);
  assert.deepEqual(order, ["last", "first true"]);
  assert.deepEqual(lines, [
    "shutting down: test",
    "closing failing failed: boom",
    "closing hanging failed: timed out after 50 ms",
  ]);
});

test("a close still running after slowMs is reported once, with no bound as with one", async () => {
  for (const timeoutMs of [0, 10_000]) {
    const lines: string[] = [];
    const shutdown = createShutdown({ timeoutMs, slowMs: 20, log: (l) => lines.push(l) });
    shutdown.add("quick", () => {});
    shutdown.add("slow", () => sleep(200));
    await shutdown.shutdown();
    assert.deepEqual(lines, ["closing slow: still waiting after 20 ms"], `timeoutMs ${timeoutMs}`);
  }
});

test("sleep ends early when its signal aborts", async () => {
  const controller = new AbortController();
  const t0 = Date.now();
  const s = sleep(60_000, controller.signal);
  controller.abort();
  await s;
  assert.ok(Date.now() - t0 < 30_000);
});

/** Runs a child that registers closes and waits; sends it SIGTERM once it is ready; returns its exit code and stderr. */
function signalled(closeFails: boolean): Promise<{ code: number | null; stderr: string }> {
  const url = new URL("./createShutdown.ts", import.meta.url).href;
  const code = `
    const { createShutdown } = await import(${JSON.stringify(url)});
    const s = createShutdown({ handleSignals: true, signalExitCode: 0, log: (l) => process.stderr.write(l + "\\n") });
    s.add("work", () => { process.stderr.write("closed work\\n"); if (${closeFails}) throw new Error("no"); });
    setInterval(() => {}, 1000);
    process.stdout.write("ready\\n");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.once("data", () => child.kill("SIGTERM"));
  return new Promise((resolve) => child.once("close", (c) => resolve({ code: c, stderr })));
}

test("with handleSignals a SIGTERM closes everything, then exits with signalExitCode, or 1 when a close failed", async () => {
  const ok = await signalled(false);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /shutting down: SIGTERM\nclosed work\n/);
  const failed = await signalled(true);
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /closing work failed: no/);
});
