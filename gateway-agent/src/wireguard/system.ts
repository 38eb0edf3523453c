/**
 * The real data plane: a kernel WireGuard interface when `ip link add … type wireguard` works,
 * otherwise `wireguard-go -f <if>` started detached (it outlives the agent, so a crash or a
 * restart of the agent never drops peers) and supervised: when it exits, the agent is told and
 * recreates the interface and its peers. An existing interface is always adopted, never
 * recreated. The private key goes in by file path (`wg set <if> private-key <file>`, mode 0600).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WgCommandError } from "../errors.ts";
import { assertCidr, assertInterfaceName, buildSetArgs, type PeerChanges } from "./args.ts";
import type { BackendMode, InterfaceState, WgBackend } from "./backend.ts";
import { parseDump, WgDumpError, type Dump } from "../../../sdk/src/wireguard/dump.ts";
import { runCommand, type Runner } from "./exec.ts";

/** Parameters of {@link createSystemBackend}. */
export interface SystemBackendParams {
  iface: string;
  /** File holding the interface's base64 private key (0600). */
  privateKeyFile: string;
  listenPort: number;
  /** Interface addresses with the pool prefixes, e.g. ["10.77.0.1/16", "fd77:dead:beef::1/64"]. */
  addresses: string[];
  /** `auto` tries the kernel module first. */
  prefer: "auto" | "kernel" | "userspace";
  wireguardGo: string;
  /** Folder for the wireguard-go pid and log files. */
  runDir: string;
  mtu?: number;
  batchSize?: number;
  /** Network namespace that holds the interface (wireguard-go started in it); root namespace when unset. */
  netns?: string;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  run?: Runner;
}

interface LinkInfo {
  ifindex: number;
  kind: string | undefined;
}

/** Creates the system backend. Nothing runs until {@link WgBackend.ensureInterface}. */
export function createSystemBackend(params: SystemBackendParams): WgBackend {
  const { iface, log } = params;
  assertInterfaceName(iface);
  if (params.netns !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(params.netns)) {
    throw new WgCommandError("invalid network namespace name");
  }
  for (const a of params.addresses) assertCidr(a);
  const exec = params.run ?? runCommand;
  let calls = 0;
  let mode: BackendMode = params.prefer === "kernel" ? "kernel" : "userspace";
  /** `ip link add … type wireguard` failed once: the module is missing, do not ask again. */
  let kernelMissing = false;
  let child: ChildProcess | undefined;
  let released = false;
  const downCallbacks: (() => void)[] = [];
  const pidFile = join(params.runDir, `wireguard-go.${iface}.pid`);
  const run: Runner = (cmd, args, options) => {
    calls++;
    // `wg` reaches wireguard-go through its socket from any namespace; `ip` must be told.
    return exec(cmd, cmd === "ip" && params.netns ? ["-n", params.netns, ...args] : args, options);
  };

  async function link(): Promise<LinkInfo | undefined> {
    let out: string;
    try {
      out = await run("ip", ["-d", "-j", "link", "show", "dev", iface]);
    } catch {
      return undefined;
    }
    const [info] = JSON.parse(out) as { ifindex: number; linkinfo?: { info_kind?: string } }[];
    return info ? { ifindex: info.ifindex, kind: info.linkinfo?.info_kind } : undefined;
  }

  /** Polls `fn` for `ms`; fails at once when `proc` (the wireguard-go it waits for; null: none) has exited. */
  async function waitFor<T>(
    what: string,
    fn: () => Promise<T | undefined>,
    ms: number,
    proc: ChildProcess | null | undefined = child,
  ): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await fn().catch(() => undefined);
      if (v !== undefined) return v;
      if (proc && proc.exitCode !== null)
        throw new WgCommandError(`wireguard-go exited (${proc.exitCode}) before ${what}`);
      if (Date.now() > deadline) throw new WgCommandError(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Whether a wireguard-go (ours or not) answers on the interface's control socket. */
  const served = () =>
    run("wg", ["show", iface, "dump"]).then(
      () => true,
      () => false,
    );

  /**
   * Starts wireguard-go and waits for its control socket. One that exits first may have lost the
   * name to another wireguard-go (left by an agent killed while it started): while the interface
   * exists, its socket is waited for and that wireguard-go adopted; once it is gone, wireguard-go
   * is started again (3 tries in all).
   */
  async function startWireguardGo(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const started = spawnWireguardGo();
      try {
        await waitFor("the wireguard-go control socket", () => run("wg", ["show", iface, "dump"]), 10_000, started);
        return;
      } catch (err) {
        if (started.exitCode === null || attempt >= 3) throw err;
        log.warn({ iface, code: started.exitCode, attempt }, "wireguard-go exited as it started");
        const other = await waitFor(
          "another wireguard-go's control socket",
          async () => ((await served()) ? true : (await link()) ? undefined : false),
          10_000,
          null,
        );
        if (other) {
          log.info({ iface }, "another wireguard-go serves the interface; adopting it");
          return;
        }
      }
    }
  }

  function spawnWireguardGo(): ChildProcess {
    mkdirSync(params.runDir, { recursive: true });
    const logFd = openSync(join(params.runDir, `wireguard-go.${iface}.log`), "a");
    let started: ChildProcess;
    try {
      const [cmd, args] = params.netns
        ? ["ip", ["netns", "exec", params.netns, params.wireguardGo, "-f", iface]]
        : [params.wireguardGo, ["-f", iface]];
      started = spawn(cmd as string, args as string[], {
        detached: true,
        stdio: ["ignore", logFd, logFd],
        env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1", LOG_LEVEL: "error" },
      });
    } finally {
      closeSync(logFd);
    }
    child = started;
    started.unref();
    started.once("error", (err) => log.error({ err: err.message }, "wireguard-go could not start"));
    started.once("exit", (code, signal) => {
      if (child === started) child = undefined;
      if (released) return;
      log.warn({ code, signal, iface }, "wireguard-go exited; the interface and its peers will be restored");
      for (const cb of downCallbacks) cb();
    });
    if (started.pid) writeFileSync(pidFile, `${started.pid}\n`);
    return started;
  }

  return {
    iface,
    mode: () => mode,
    async ensureInterface(): Promise<InterfaceState> {
      let info = await link();
      let created = false;
      if (info && info.kind !== "wireguard" && info.kind !== "tun") {
        throw new WgCommandError(`interface ${iface} exists but is a ${info.kind ?? "unknown"} device, not WireGuard`);
      }
      if (!info) {
        if (params.prefer !== "userspace" && !kernelMissing) {
          try {
            await run("ip", ["link", "add", "dev", iface, "type", "wireguard"]);
            mode = "kernel";
            created = true;
          } catch (err) {
            if (params.prefer === "kernel") throw err;
            // Said once: later re-creations (wireguard-go exited) go straight to wireguard-go.
            kernelMissing = true;
            const reason = ((err as Error).message.split("\n").find((l) => /error/i.test(l)) ?? "").trim();
            log.info({ iface, reason: reason.slice(0, 200) }, "no kernel WireGuard; using wireguard-go");
          }
        }
        if (!created) {
          mode = "userspace";
          await startWireguardGo();
          created = true;
        }
        info = await waitFor("the interface", link, 5_000);
      } else {
        mode = info.kind === "wireguard" ? "kernel" : "userspace";
        log.info({ iface, mode, ifindex: info.ifindex }, "adopting the existing interface (peers kept)");
      }
      const set = ["set", iface, "listen-port", String(params.listenPort), "private-key", params.privateKeyFile];
      await run("wg", set);
      for (const a of params.addresses) await run("ip", ["address", "replace", a, "dev", iface]);
      if (params.mtu) await run("ip", ["link", "set", "dev", iface, "mtu", String(params.mtu)]);
      await run("ip", ["link", "set", "dev", iface, "up"]);
      return { created, ifindex: info.ifindex, mode };
    },
    async dump(): Promise<Dump> {
      const text = await run("wg", ["show", iface, "dump"]);
      try {
        return parseDump(text);
      } catch (err) {
        const reason = err instanceof WgDumpError ? err.shortMessage : String(err);
        throw new WgCommandError(`wg show ${iface} dump: ${reason}`, { cause: err });
      }
    },
    async apply(changes: PeerChanges): Promise<number> {
      const batches = buildSetArgs(iface, changes, params.batchSize);
      for (const args of batches) await run("wg", args);
      return batches.length;
    },
    onDown: (cb) => void downCallbacks.push(cb),
    calls: () => calls,
    async release() {
      released = true;
    },
    async destroy() {
      released = true;
      await run("ip", ["link", "del", "dev", iface]).catch(() => undefined);
      let pid: number | undefined = child?.pid;
      try {
        pid ??= Number(readFileSync(pidFile, "utf8").trim()) || undefined;
      } catch {
        /* no pid file */
      }
      if (pid) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          /* gone */
        }
      }
      rmSync(pidFile, { force: true });
    },
  };
}
