/**
 * The obfuscated transport's server, run and supervised like wireguard-go: `v2ray -config
 * <dataDir>/transport/v2ray.json` started detached (in the interface's network namespace), so an
 * agent restart does not cut the clients' TCP connections; a running one with the same config
 * is adopted, and one that exits (or is killed) is started again within `watchMs`.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { renderV2rayServerConfig } from "../../../sdk/src/transport/v2rayConfig.ts";
import { WgCommandError } from "../errors.ts";
import type { TransportCredentials } from "./credentials.ts";
import { transportFiles } from "./credentials.ts";

/** Parameters of {@link createTransportServer}. */
export interface TransportServerParams {
  dataDir: string;
  credentials: TransportCredentials;
  /** TCP port clients connect to (443 looks like any HTTPS server). */
  port: number;
  /** Address it listens on (default every address). */
  listen?: string;
  /** The WireGuard interface's UDP port, where everything is forwarded. */
  wgPort: number;
  v2ray: string;
  netns?: string;
  /** How often the process is checked (default 1000 ms). */
  watchMs?: number;
  /** How long v2ray may take to say it started (default 10 s). */
  startTimeoutMs?: number;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
}

/** A supervised transport server. */
export interface TransportServer {
  /** Writes the config, adopts or starts v2ray and watches it. */
  start(): Promise<void>;
  /** The running process id, if any. */
  pid(): number | undefined;
  /** How many times it was started again after it exited. */
  restarts(): number;
  /** Stops watching; v2ray keeps serving (like the interface and its peers). */
  release(): void;
  /** Stops watching and stops v2ray. */
  destroy(): void;
}

function alive(pid: number, configFile: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(configFile);
  } catch {
    return false;
  }
}

/** Sends `signal` to the process group `pid` leads (v2ray is started detached), else to `pid` alone. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Stops the v2ray `pid` if it still runs with `configFile` (a recycled pid is left alone): SIGTERM,
 * then SIGKILL when it has not exited within `graceMs`; returns once it is gone (bounded).
 */
async function stopV2ray(pid: number, configFile: string, graceMs = 5_000): Promise<void> {
  if (!alive(pid, configFile)) return;
  signalGroup(pid, "SIGTERM");
  let killed = false;
  for (const start = Date.now(); alive(pid, configFile); await new Promise((r) => setTimeout(r, 50))) {
    if (!killed && Date.now() - start > graceMs) {
      signalGroup(pid, "SIGKILL");
      killed = true;
    } else if (Date.now() - start > graceMs + 5_000) throw new WgCommandError(`v2ray ${pid} does not exit`);
  }
}

/**
 * At a start whose config offers no transport: stops a v2ray that an earlier run with a transport
 * left serving (detached, its pid in `<dataDir>/transport/v2ray.pid`), and says how to withdraw
 * the offer still published on chain.
 * @param dataDir the agent's data folder.
 * @param log where the warning goes.
 * @returns the pid it stopped, or undefined when none was running.
 */
export async function stopLeftoverTransportServer(
  dataDir: string,
  log: TransportServerParams["log"],
): Promise<number | undefined> {
  const f = transportFiles(dataDir);
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(f.pid, "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
  rmSync(f.pid, { force: true });
  if (pid === undefined || !alive(pid, f.config)) return undefined;
  await stopV2ray(pid, f.config);
  log.warn(
    { pid },
    "stopped the transport server (v2ray) an earlier run left: this config offers no transport; if the offer is still published, withdraw it: dvpn provider transport --kind none",
  );
  return pid;
}

/** Creates the supervisor; nothing runs until {@link TransportServer.start}. */
export function createTransportServer(p: TransportServerParams): TransportServer {
  const f = transportFiles(p.dataDir);
  let pid: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let restarts = 0;
  let starting: Promise<void> | undefined;

  const readPid = () => {
    try {
      return Number(readFileSync(f.pid, "utf8").trim()) || undefined;
    } catch {
      return undefined;
    }
  };

  async function launch(): Promise<void> {
    mkdirSync(f.dir, { recursive: true, mode: 0o700 });
    const logStart = (() => {
      try {
        return statSync(f.log).size;
      } catch {
        return 0;
      }
    })();
    const fd = openSync(f.log, "a", 0o600);
    let child;
    try {
      const [cmd, args] = p.netns
        ? ["ip", ["netns", "exec", p.netns, p.v2ray, "-config", f.config]]
        : [p.v2ray, ["-config", f.config]];
      child = spawn(cmd as string, args as string[], { detached: true, stdio: ["ignore", fd, fd] });
    } finally {
      closeSync(fd);
    }
    child.unref();
    child.once("error", (err) => p.log.error({ err: err.message }, "v2ray could not start"));
    const started = child;
    const deadline = Date.now() + (p.startTimeoutMs ?? 10_000);
    for (;;) {
      const text = readFileSync(f.log, "utf8").slice(logStart);
      if (/started/.test(text)) break;
      if (started.exitCode !== null || started.signalCode !== null || Date.now() > deadline) {
        // Detached, so nothing else would end it: one that comes up late would hold the port. The
        // group only: its number stays taken while any member lives, whereas a reaped pid may be reused.
        try {
          if (started.pid !== undefined) process.kill(-started.pid, "SIGKILL");
        } catch {
          /* the group is gone */
        }
        const last = text.trim().split("\n").slice(-2).join(" ").slice(0, 300);
        throw new WgCommandError(`v2ray did not start (${last || `exit ${started.exitCode ?? "none"}`}); see ${f.log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    pid = started.pid;
    if (pid) writeFileSync(f.pid, `${pid}\n`);
  }

  function watch(): void {
    timer = setInterval(() => {
      if (starting || (pid !== undefined && alive(pid, f.config))) return;
      restarts++;
      p.log.warn({ pid, restarts }, "the transport server (v2ray) is gone; starting it again");
      starting = launch()
        .catch((err: unknown) => p.log.error({ err: (err as Error).message }, "could not restart the transport server"))
        .finally(() => (starting = undefined));
    }, p.watchMs ?? 1000);
    timer.unref();
  }

  return {
    async start() {
      const config = renderV2rayServerConfig({
        port: p.port,
        ...(p.listen ? { listen: p.listen } : {}),
        clientId: p.credentials.clientId,
        certificateFile: p.credentials.certificateFile,
        keyFile: p.credentials.keyFile,
        wgPort: p.wgPort,
      });
      let same = false;
      try {
        same = readFileSync(f.config, "utf8") === config;
      } catch {
        /* first start */
      }
      const old = readPid();
      if (old !== undefined && alive(old, f.config) && same) {
        pid = old;
        p.log.info({ pid, port: p.port }, "adopting the running transport server");
      } else {
        if (old !== undefined) await stopV2ray(old, f.config); // its config changed: free the port first
        mkdirSync(f.dir, { recursive: true, mode: 0o700 });
        writeFileSync(f.config, config, { mode: 0o600 });
        await launch();
        p.log.info({ pid, port: p.port, certSha256: p.credentials.certSha256 }, "transport server (v2ray) started");
      }
      watch();
    },
    pid: () => pid,
    restarts: () => restarts,
    release() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    destroy() {
      if (timer) clearInterval(timer);
      timer = undefined;
      const target = pid ?? readPid();
      if (target !== undefined && alive(target, f.config)) process.kill(target, "SIGTERM");
      rmSync(f.pid, { force: true });
      pid = undefined;
    },
  };
}
