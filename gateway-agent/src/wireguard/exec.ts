/**
 * Runs `wg`, `ip` and friends with an argument array (never a shell string), a timeout and
 * optional stdin. Failures become {@link WgCommandError} with the command's stderr (which
 * never contains key material: keys go in by file or stdin).
 */
import { execFile } from "node:child_process";
import { WgCommandError } from "../errors.ts";

/** Signature of the runner, so tests and benchmarks can count or fake calls. */
export type Runner = (cmd: string, args: string[], options?: { stdin?: string; timeoutMs?: number }) => Promise<string>;

/** The real runner. */
export const runCommand: Runner = (cmd, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) {
          const reason = (stderr || err.message).trim().split("\n").slice(-3).join(" ").slice(0, 500);
          reject(new WgCommandError(`${cmd} ${args[0] ?? ""} ${args[1] ?? ""} failed: ${reason}`, { cause: err }));
        } else resolve(stdout);
      },
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
