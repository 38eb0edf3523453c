/**
 * Runs one sub-benchmark as a child process in its own process group, bounded in time: on
 * timeout the whole group gets SIGTERM (so it can clean up), then SIGKILL after a grace period.
 * Its stderr is passed through with a prefix and its tail kept for the report.
 */
import { spawn } from "node:child_process";

/** How a child run ended. */
export interface ChildOutcome {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  timedOut: boolean;
  seconds: number;
  /** Last lines of its stderr (for a failure's reason). */
  stderrTail: string[];
}

/** Spawns `cmd args` and waits for it, killing its process group after `timeoutMs`. */
export async function runChild(params: {
  name: string;
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  timeoutMs: number;
  graceMs?: number;
}): Promise<ChildOutcome> {
  const started = performance.now();
  const child = spawn(params.cmd, params.args, {
    cwd: params.cwd,
    env: params.env,
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const tail: string[] = [];
  let partial = "";
  child.stderr?.on("data", (d: Buffer) => {
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const prefix = `[${params.name}]`;
      process.stderr.write(`  ${line.startsWith(prefix) ? line : `${prefix} ${line}`}\n`);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  });
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  // If the orchestrator itself is interrupted, stop the child's group too.
  const onSignal = () => killGroup("SIGTERM");
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup("SIGTERM");
    killTimer = setTimeout(() => killGroup("SIGKILL"), params.graceMs ?? 5_000);
  }, params.timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.once("error", () => resolve(null));
    child.once("close", (c) => resolve(c));
  });
  clearTimeout(timer);
  clearTimeout(killTimer);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  // Anything of the group still running (grandchildren that ignored SIGTERM) goes now.
  killGroup("SIGKILL");
  if (partial) tail.push(partial);
  return { code, timedOut, seconds: (performance.now() - started) / 1000, stderrTail: tail };
}
