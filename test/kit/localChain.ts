/**
 * A local JSON-RPC chain for the demo and end-to-end tests: `hardhat node` as a child process on
 * loopback, stopped with the process group when done.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { createPublicClient, http, type PublicClient } from "viem";

const root = join(import.meta.dirname, "../..");

/** A running local chain. */
export interface LocalChain {
  url: string;
  port: number;
  chainId: number;
  publicClient: PublicClient;
  /** Stops the node (SIGTERM, then SIGKILL after 3 s). */
  stop(): Promise<void>;
}

/** Returns a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Whether `port` on 127.0.0.1 can be bound right now. */
export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts `hardhat node` on `hostname` (127.0.0.1 by default; a free port unless `port` is
 * given) and waits until it answers, at most `timeoutMs`.
 */
export async function startLocalChain(
  options: { port?: number; timeoutMs?: number; hostname?: string } = {},
): Promise<LocalChain> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? (await freePort());
  const url = `http://${hostname}:${port}`;
  // Through the guard: if this process dies without stopping the node, the node stops too.
  const child = spawn(
    process.execPath,
    [
      join(root, "scripts/lib/guard.ts"),
      "--",
      join(root, "node_modules/.bin/hardhat"),
      "node",
      "--hostname",
      hostname,
      "--port",
      String(port),
    ],
    { cwd: root, stdio: ["pipe", "pipe", "pipe"], detached: true },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
    if (!(await waitForExit(child, 3000))) {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
      await waitForExit(child, 2000);
    }
  };

  const publicClient = createPublicClient({ transport: http(url, { retryCount: 0 }) });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}): ${output}`);
    try {
      const chainId = await publicClient.getChainId();
      return { url, port, chainId, publicClient: createPublicClient({ transport: http(url) }), stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`hardhat node did not answer on ${url} within ${options.timeoutMs ?? 60_000} ms: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
