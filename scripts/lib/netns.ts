/**
 * The demo's network: three network namespaces it creates and removes, joined to each other
 * and to the host by veth pairs. Nothing else on the machine is touched.
 *
 *   host (chain, indexer) ── 10.98.x.y+1/30 ═ 10.98.x.y+2/30 ── provider ── 10.99.1.1/30 ═ 10.99.1.2/30 ── internet
 *                                                              └─ 10.99.2.1/30 ═ 10.99.2.2/30 ── client
 *
 * The host link's /30 is chosen free among the host's addresses (several topologies may exist
 * at once); the links inside the namespaces are private to them and always the same.
 *
 * The provider namespace forwards (its own sysctl) between its WireGuard interface and the
 * "internet" namespace, which routes the tunnel pool back through the provider. The client's
 * only way to the internet namespace is the tunnel.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const WG_SOCKET_DIR = "/var/run/wireguard";

/** Why the WireGuard data plane cannot run here, or `undefined` when it can. */
export async function dataPlaneUnavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "not running as root (network namespaces and TUN devices need root)";
  if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing (the TUN driver is not available)";
  for (const [bin, pkg] of [
    ["wg", "wireguard-tools"],
    ["wireguard-go", "wireguard-go"],
    ["ip", "iproute2"],
  ] as const) {
    try {
      await exec("sh", ["-c", 'command -v "$0"', bin]);
    } catch {
      return `${bin} is missing (install it with: apt-get install -y ${pkg})`;
    }
  }
  try {
    const probe = `dvpn-probe-${process.pid}`;
    await exec("ip", ["netns", "add", probe]);
    await exec("ip", ["netns", "del", probe]);
  } catch (err) {
    return `cannot create network namespaces: ${(err as Error).message.split("\n")[0]}`;
  }
  return undefined;
}

/** Addresses of the demo topology. */
export const TOPOLOGY = {
  providerToInternet: "10.99.1.1",
  internetAddress: "10.99.1.2",
  providerToClient: "10.99.2.1",
  clientAddress: "10.99.2.2",
  /** Every pool an agent derives by default (10.64.0.0/10), the old default 10.77.0.0/16 inside it. */
  tunnelPool: "10.64.0.0/10",
} as const;

/** The created namespaces and how to run things in them. */
export interface Topology {
  provider: string;
  client: string;
  internet: string;
  /** The host's end of the host ═ provider link (where the host's services are reached from the provider). */
  hostAddress: string;
  /** The provider's end of that link (where the provider's services are reached from the host). */
  providerUplink: string;
  /** Prefix that WireGuard interface names in this topology must start with (so cleanup finds them). */
  ifacePrefix: string;
  /** Runs a command inside namespace `ns` and returns its stdout. */
  run(ns: string, cmd: string, args: string[], input?: string): Promise<string>;
  /** Starts a long-running process inside namespace `ns`; it is killed by {@link Topology.destroy}. */
  spawn(ns: string, cmd: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Kills every process in the namespaces, then deletes them (and so their veths). Idempotent. */
  destroy(): Promise<void>;
}

/**
 * Kills every process in the namespaces of topology `tag`, deletes them (and so their veths)
 * and their /etc/netns/<name> folders, the host end of its uplink and the WireGuard control sockets of its interfaces (named
 * dv<tag>…; wireguard-go leaves them behind when killed). Safe on a half-built or gone topology.
 */
export async function removeTopology(tag: string): Promise<void> {
  // "x": the exit provider's namespace of the two-hop lab, when there is one.
  const namespaces = ["c", "i", "p", "x"].map((x) => `dvpn-${tag}-${x}`);
  for (const ns of namespaces) {
    try {
      const { stdout } = await exec("ip", ["netns", "pids", ns]);
      for (const pid of stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          /* gone */
        }
      }
    } catch {
      /* namespace absent */
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  for (const ns of namespaces) await ip(["netns", "del", ns]).catch(() => {});
  // Per-namespace files `ip netns exec` mounts (a test's or the client's resolv.conf).
  for (const ns of namespaces) rmSync(join("/etc/netns", ns), { recursive: true, force: true });
  await ip(["link", "del", `dv${tag}h`]).catch(() => {});
  for (const entry of existsSync(WG_SOCKET_DIR) ? readdirSync(WG_SOCKET_DIR) : []) {
    if (entry.startsWith(`dv${tag}`) && entry.endsWith(".sock")) rmSync(join(WG_SOCKET_DIR, entry), { force: true });
  }
}

/**
 * Topology tag of a process: "d" + its pid in base 36. {@link sweepStaleTopologies} uses it to
 * find topologies whose creator is gone.
 */
export function ownedTag(pid = process.pid): string {
  return `d${pid.toString(36)}`;
}

/**
 * Removes the topologies left by processes that died without cleaning up (killed hard): those
 * tagged with {@link ownedTag} whose pid is no longer alive.
 * @returns the tags removed.
 */
export async function sweepStaleTopologies(): Promise<string[]> {
  const { stdout } = await exec("ip", ["netns", "list"]);
  const tags = new Set<string>();
  for (const m of stdout.matchAll(/^dvpn-(d[0-9a-z]+)-[pcix]\b/gm)) tags.add(m[1]!);
  const removed: string[] = [];
  for (const tag of tags) {
    const pid = parseInt(tag.slice(1), 36);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === "EPERM";
    }
    if (!alive) {
      await removeTopology(tag);
      removed.push(tag);
    }
  }
  return removed;
}

/** A /30 in 10.98.0.0/16 that no host interface uses yet, starting from one derived from `tag`. */
async function freeHostLink(tag: string): Promise<{ hostAddress: string; providerUplink: string }> {
  const { stdout } = await exec("ip", ["-o", "-4", "addr", "show"]);
  let seed = 0;
  for (const c of tag) seed = (seed * 31 + c.charCodeAt(0)) % 16384;
  for (let i = 0; i < 16384; i++) {
    const block = (seed + i) % 16384;
    const base = `10.98.${block >> 6}.${(block & 63) * 4}`;
    const prefix = base.slice(0, base.lastIndexOf(".") + 1);
    const last = (block & 63) * 4;
    const host = `${prefix}${last + 1}`;
    if (!stdout.includes(` ${host}/`) && !stdout.includes(` ${prefix}${last + 2}/`)) {
      return { hostAddress: host, providerUplink: `${prefix}${last + 2}` };
    }
  }
  throw new Error("no free /30 left in 10.98.0.0/16 for the host link");
}

async function ip(args: string[]): Promise<void> {
  await exec("ip", args);
}

/**
 * Creates the three namespaces and their links. `tag` (a few letters/digits) keeps names of
 * concurrent runs apart. On failure everything already created is removed.
 */
export async function createTopology(tag: string): Promise<Topology> {
  if (!/^[a-z0-9]{1,8}$/.test(tag)) throw new Error(`bad topology tag ${tag}`);
  const provider = `dvpn-${tag}-p`;
  const client = `dvpn-${tag}-c`;
  const internet = `dvpn-${tag}-i`;
  const children = new Set<ChildProcess>();
  let destroyed = false;

  const run = async (ns: string, cmd: string, args: string[], input?: string): Promise<string> => {
    if (input === undefined) return (await exec("ip", ["netns", "exec", ns, cmd, ...args])).stdout;
    return new Promise((resolve, reject) => {
      const child = execFile("ip", ["netns", "exec", ns, cmd, ...args], (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
      child.stdin?.end(input);
    });
  };

  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    await removeTopology(tag);
  };

  const { hostAddress, providerUplink } = await freeHostLink(tag);
  try {
    for (const ns of [provider, client, internet]) await ip(["netns", "add", ns]);
    // host ═ provider
    await ip(["link", "add", `dv${tag}h`, "type", "veth", "peer", "name", `dv${tag}up`, "netns", provider]);
    await ip(["addr", "add", `${hostAddress}/30`, "dev", `dv${tag}h`]);
    await ip(["link", "set", `dv${tag}h`, "up"]);
    // provider ═ internet
    await ip([
      "-n",
      provider,
      "link",
      "add",
      `dv${tag}pi`,
      "type",
      "veth",
      "peer",
      "name",
      `dv${tag}ip`,
      "netns",
      internet,
    ]);
    // provider ═ client
    await ip([
      "-n",
      provider,
      "link",
      "add",
      `dv${tag}pc`,
      "type",
      "veth",
      "peer",
      "name",
      `dv${tag}cp`,
      "netns",
      client,
    ]);

    const setUp = async (ns: string, dev: string, addr: string) => {
      await ip(["-n", ns, "addr", "add", `${addr}/30`, "dev", dev]);
      await ip(["-n", ns, "link", "set", dev, "up"]);
    };
    await setUp(provider, `dv${tag}up`, providerUplink);
    await setUp(provider, `dv${tag}pi`, TOPOLOGY.providerToInternet);
    await setUp(provider, `dv${tag}pc`, TOPOLOGY.providerToClient);
    await setUp(internet, `dv${tag}ip`, TOPOLOGY.internetAddress);
    await setUp(client, `dv${tag}cp`, TOPOLOGY.clientAddress);
    for (const ns of [provider, client, internet]) await ip(["-n", ns, "link", "set", "lo", "up"]);
    // The internet namespace answers the tunnel pool through the provider; nothing else routes.
    await ip(["-n", internet, "route", "add", TOPOLOGY.tunnelPool, "via", TOPOLOGY.providerToInternet]);
    await run(provider, "sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
  } catch (err) {
    await destroy();
    throw err;
  }

  return {
    provider,
    client,
    internet,
    hostAddress,
    providerUplink,
    ifacePrefix: `dv${tag}`,
    run,
    spawn(ns, cmd, args, options = {}) {
      const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: "pipe", ...options });
      children.add(child);
      child.once("exit", () => children.delete(child));
      return child;
    },
    destroy,
  };
}
