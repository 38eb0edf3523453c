/**
 * Network-namespace helpers for the data-plane tests and the benchmark: every name carries a
 * random suffix (wireguard-go's control sockets are not per namespace), every command is an
 * argument array, and `cleanup()` removes whatever was created, also after a failure.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { accessSync, constants, readdirSync, readFileSync, rmSync } from "node:fs";
import { runCommand } from "../wireguard/exec.ts";

/** Why the WireGuard data plane (and the `extra` commands a test needs, e.g. nft) cannot run here, or undefined when it can. */
export function dataPlaneUnavailable(extra: readonly string[] = []): string | undefined {
  if (process.getuid?.() !== 0) return "not root (network namespaces and TUN devices need root)";
  try {
    accessSync("/dev/net/tun", constants.R_OK | constants.W_OK);
  } catch {
    return "/dev/net/tun is missing";
  }
  for (const bin of ["wireguard-go", "wg", "ip", ...extra]) {
    const found = (process.env.PATH ?? "").split(":").some((d) => {
      try {
        accessSync(`${d}/${bin}`, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    if (!found)
      return `${bin} is not installed (as root, npm test installs it from Debian packages: see scripts/setup.sh)`;
  }
  return undefined;
}

/** A random lower-case suffix. */
export const suffix = () => Math.random().toString(36).slice(2, 8);

/** Tracks namespaces, links and processes to remove. */
export interface NetLab {
  ip(args: string[]): Promise<string>;
  /** Runs a command inside namespace `ns`. */
  inNs(ns: string, cmd: string, args: string[], options?: { stdin?: string; timeoutMs?: number }): Promise<string>;
  addNs(name: string): Promise<void>;
  /** A veth pair: `a` stays in the root namespace, `b` moves into `ns`; each gets its /30 address. */
  veth(a: string, b: string, ns: string, addrA: string, addrB: string): Promise<void>;
  /** Starts `wireguard-go -f <iface>` in `ns` (or the root namespace). */
  wireguardGo(iface: string, ns?: string): Promise<ChildProcess>;
  trackLink(name: string): void;
  cleanup(): Promise<void>;
}

/** Creates a lab; call `cleanup()` in `after()`. */
export function createNetLab(): NetLab {
  const namespaces: string[] = [];
  const links: string[] = [];
  const children: ChildProcess[] = [];
  const wgInterfaces: string[] = [];
  const ip = (args: string[]) => runCommand("ip", args);
  const lab: NetLab = {
    ip,
    inNs: (ns, cmd, args, options) => runCommand("ip", ["netns", "exec", ns, cmd, ...args], options),
    async addNs(name) {
      await ip(["netns", "add", name]);
      namespaces.push(name);
      await ip(["-n", name, "link", "set", "lo", "up"]);
    },
    async veth(a, b, ns, addrA, addrB) {
      await ip(["link", "add", a, "type", "veth", "peer", "name", b]);
      links.push(a);
      await ip(["link", "set", b, "netns", ns]);
      await ip(["address", "add", addrA, "dev", a]);
      await ip(["link", "set", a, "up"]);
      await ip(["-n", ns, "address", "add", addrB, "dev", b]);
      await ip(["-n", ns, "link", "set", b, "up"]);
    },
    async wireguardGo(iface, ns) {
      const cmd = ns ? "ip" : "wireguard-go";
      const args = ns ? ["netns", "exec", ns, "wireguard-go", "-f", iface] : ["-f", iface];
      const child = spawn(cmd, args, {
        stdio: "ignore",
        env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" },
      });
      children.push(child);
      wgInterfaces.push(iface);
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await runCommand("wg", ["show", iface, "dump"]);
          return child;
        } catch {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`wireguard-go ${iface} did not start`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    trackLink: (name) => void links.push(name),
    async cleanup() {
      for (const c of children) {
        if (c.exitCode !== null || c.signalCode !== null) continue;
        const exited = new Promise<boolean>((r) => {
          const t = setTimeout(() => r(false), 3000);
          c.once("exit", () => (clearTimeout(t), r(true)));
        });
        c.kill("SIGTERM");
        if (!(await exited)) c.kill("SIGKILL");
      }
      for (const l of links) await ip(["link", "del", l]).catch(() => undefined);
      for (const ns of namespaces) await ip(["netns", "del", ns]).catch(() => undefined);
      for (const i of [...wgInterfaces, ...links]) rmSync(`/var/run/wireguard/${i}.sock`, { force: true });
    },
  };
  return lab;
}

/** A UDP port nothing listens on right now (for a WireGuard endpoint). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket("udp4");
    sock.once("error", reject);
    sock.bind(0, "0.0.0.0", () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

/** Pids of the wireguard-go processes serving `iface` (argv[0] ends in `wireguard-go`, `iface` among the arguments). */
export function wireguardGoPids(iface: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if ((argv[0] ?? "").endsWith("wireguard-go") && argv.includes(iface)) pids.push(Number(entry));
  }
  return pids;
}
