import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runChild } from "./runChild.ts";

/** Whether `pid` runs (a zombie waiting to be reaped counts as ended). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

test("runChild reports the exit code and keeps the tail of stderr", async () => {
  const r = await runChild({
    name: "t",
    cmd: "bash",
    args: ["-c", "echo one >&2; echo two >&2; exit 3"],
    env: process.env,
    cwd: process.cwd(),
    timeoutMs: 30_000,
  });
  assert.equal(r.code, 3);
  assert.equal(r.timedOut, false);
  assert.deepEqual(r.stderrTail, ["one", "two"]);
});

test("runChild stops the whole process group when the budget is exceeded", async () => {
  let grandchild = 0;
  const r = await runChild({
    name: "t",
    cmd: "bash",
    // The grandchild ignores SIGTERM, so only the SIGKILL after the grace period ends it.
    args: ["-c", "trap '' TERM; sleep 60 & echo $! >&2; wait"],
    env: process.env,
    cwd: process.cwd(),
    timeoutMs: 500,
    graceMs: 200,
  }).then((o) => {
    grandchild = Number(o.stderrTail[0]);
    return o;
  });
  assert.equal(r.timedOut, true);
  assert.ok(grandchild > 0);
  // Reaping by init can lag a moment after SIGKILL; poll (bounded) instead of asserting at once.
  for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((res) => setTimeout(res, 100));
  assert.equal(alive(grandchild), false, "the grandchild was killed with its group");
});
