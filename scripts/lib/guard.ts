/**
 * Runs a command and takes it down with its parent: `node guard.ts -- <cmd> [args…]`.
 * The parent holds our stdin; when the parent dies (even by SIGKILL) the pipe closes and the
 * command is stopped, so a crashed test never leaves a chain node or daemon behind.
 */
import { spawn } from "node:child_process";

const sep = process.argv.indexOf("--");
const [cmd, ...args] = sep >= 0 ? process.argv.slice(sep + 1) : [];
if (!cmd) {
  process.stderr.write("usage: node guard.ts -- <command> [args…]\n");
  process.exit(2);
}
const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
const stop = (signal: NodeJS.Signals) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  setTimeout(() => child.kill("SIGKILL"), 3000).unref();
};
process.stdin.on("close", () => stop("SIGTERM"));
process.stdin.on("end", () => stop("SIGTERM"));
process.stdin.resume();
for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => stop(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
