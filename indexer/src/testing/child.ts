/** Test helper: `node indexer/src/main.ts` as a child process (killed in its own process group). */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Deployment } from "../../../sdk/src/deployment/types.ts";

const MAIN = join(import.meta.dirname, "../main.ts");

export interface ChildIndexer {
  child: ChildProcess;
  /** Resolves with the GraphQL URL the child printed. */
  url: Promise<string>;
  /** Sends a signal to the child's process group and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

/** Writes a deployment record where a child can read it. */
export function writeDeployment(dir: string, deployment: Deployment): string {
  const file = join(dir, "deployment.json");
  writeFileSync(file, JSON.stringify(deployment));
  return file;
}

export function spawnIndexer(args: string[], env: Record<string, string> = {}): ChildIndexer {
  const child = spawn(process.execPath, [MAIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, DVPN_LOG_LEVEL: "warn", ...env },
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (c: Buffer) => (err = (err + c.toString()).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /\{"url":"([^"]+)"\}/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`indexer exited (${code}) before listening: ${err}`)));
  });
  url.catch(() => {});
  return {
    child,
    url,
    output: () => err,
    async kill(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* gone */
      }
      await exited;
    },
  };
}
