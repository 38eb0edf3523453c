/**
 * The exit topology for firewall tests: a provider namespace with a wireguard-go interface,
 * clients in namespaces of their own tunnelled to it, and an "internet" namespace that knows no
 * route back to the tunnel pool, so only the provider's masquerade brings answers back.
 *
 *   client i ── 172.30.i.2/30 ═ 172.30.i.1/30 ── provider ── 198.51.100.1/24, 203.0.113.1/24,
 *   (wireguard-go, 10.77.0.(i+2))             (wireguard-go  2001:db8:100::1/64 ═ …2 ── internet
 *                                               10.77.0.1/16)
 *
 * Addresses are private to the namespaces, so several labs may run at once; names carry a
 * random suffix. `lab.cleanup()` removes everything, also after a failure.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../wireguard/exec.ts";
import { createNetLab, suffix, type NetLab } from "./netns.ts";

/** Addresses of the exit topology. */
export const EXIT = {
  pool4: "10.77.0.0/16",
  pool6: "fd77:dead:beef::/64",
  internet4: "198.51.100.2",
  internet6: "2001:db8:100::2",
  provider4: "198.51.100.1",
  provider6: "2001:db8:100::1",
  /** A second network on the internet side, for address-range policies. */
  other4: "203.0.113.2",
} as const;

/** A tunnelled client. */
export interface ExitClient {
  ns: string;
  iface: string;
  address4: string;
  /** The client's WireGuard public key (base64). */
  publicKey: string;
  /** Runs `cmd` in the client's namespace. */
  exec(cmd: string, args: string[], timeoutMs?: number): Promise<string>;
}

/** The built topology. */
export interface ExitLab {
  net: NetLab;
  provider: string;
  internet: string;
  /** The provider's WireGuard interface (in `provider`). */
  iface: string;
  /** The provider's interface towards the internet namespace. */
  uplink: string;
  clients: ExitClient[];
  /** Starts a process in a namespace; stopped by `cleanup()`. */
  spawnIn(ns: string, cmd: string, args: string[]): ChildProcess;
  /** `connect HOST PORT` with the TCP probe from a client: what the server saw, or the error code. */
  probe(client: ExitClient, host: string, port: number): Promise<{ ok: boolean; seen?: string; code?: string }>;
  /** Starts the TCP probe server on `ports` in the internet namespace (`"9000:hold"` keeps connections open). */
  serve(ports: (number | string)[]): Promise<void>;
  /** Opens `n` connections at once from a client and holds them for a second: how many opened. */
  hold(client: ExitClient, host: string, port: number, n: number): Promise<{ opened: number; failed: number }>;
  cleanup(): Promise<void>;
}

const PROBE = join(import.meta.dirname, "tcpProbe.ts");

/** A new WireGuard key pair; the private key in a 0600 file under `dir`. */
async function keyPair(dir: string, name: string): Promise<{ file: string; pub: string }> {
  const priv = (await runCommand("wg", ["genkey"])).trim();
  const pub = (await runCommand("wg", ["pubkey"], { stdin: `${priv}\n` })).trim();
  const file = join(dir, name);
  writeFileSync(file, `${priv}\n`, { mode: 0o600 });
  return { file, pub };
}

/** Options of {@link createExitLab}. */
export interface ExitLabOptions {
  /**
   * The provider's interface is created by someone else (an agent with `netns` = the provider
   * namespace) under `iface`, with this public key: the lab neither starts it nor adds the
   * clients' peers to it (`clients[i].publicKey` tells the caller which keys to provision).
   */
  external?: { iface: string; publicKey: string };
}

/** Builds the topology with `clients` clients. */
export async function createExitLab(clients: number, options: ExitLabOptions = {}): Promise<ExitLab> {
  const net = createNetLab();
  const sfx = suffix();
  const provider = `dvxp${sfx}`;
  const internet = `dvxi${sfx}`;
  const iface = options.external?.iface ?? `dvxw${sfx}`;
  const uplink = `dvxu${sfx}`;
  const children: ChildProcess[] = [];
  const keys = mkdtempSync(join(tmpdir(), "dvpn-exitlab-"));
  const ipn = (ns: string, args: string[]) => net.ip(["-n", ns, ...args]);
  const lab: ExitLab = {
    net,
    provider,
    internet,
    iface,
    uplink,
    clients: [],
    spawnIn(ns, cmd, args) {
      const c = spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      children.push(c);
      return c;
    },
    async probe(client, host, port) {
      const out = await client.exec(process.execPath, [PROBE, "connect", host, String(port)], 10_000);
      return JSON.parse(out.trim()) as { ok: boolean; seen?: string; code?: string };
    },
    async hold(client, host, port, n) {
      const out = await client.exec(process.execPath, [PROBE, "hold", host, String(port), String(n)], 20_000);
      return JSON.parse(out.trim()) as { opened: number; failed: number };
    },
    async serve(ports) {
      const c = lab.spawnIn(internet, process.execPath, [PROBE, "serve", ...ports.map(String)]);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("probe server not listening within 10 s")), 10_000);
        c.stdout?.once("data", () => (clearTimeout(timer), resolve()));
        c.once("exit", (code) => (clearTimeout(timer), reject(new Error(`probe server exited (${code})`))));
      });
    },
    async cleanup() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await net.cleanup();
      rmSync(keys, { recursive: true, force: true });
    },
  };
  try {
    await net.addNs(provider);
    await net.addNs(internet);
    // provider ═ internet
    await ipn(provider, ["link", "add", uplink, "type", "veth", "peer", "name", `dvxv${sfx}`, "netns", internet]);
    await ipn(provider, ["address", "add", `${EXIT.provider4}/24`, "dev", uplink]);
    await ipn(provider, ["address", "add", "203.0.113.1/24", "dev", uplink]);
    await ipn(provider, ["address", "add", `${EXIT.provider6}/64`, "dev", uplink, "nodad"]);
    await ipn(provider, ["link", "set", uplink, "up"]);
    await ipn(internet, ["address", "add", `${EXIT.internet4}/24`, "dev", `dvxv${sfx}`]);
    await ipn(internet, ["address", "add", `${EXIT.other4}/24`, "dev", `dvxv${sfx}`]);
    await ipn(internet, ["address", "add", `${EXIT.internet6}/64`, "dev", `dvxv${sfx}`, "nodad"]);
    await ipn(internet, ["link", "set", `dvxv${sfx}`, "up"]);
    // The provider's WireGuard interface.
    let providerPub = options.external?.publicKey ?? "";
    if (!options.external) {
      const pk = await keyPair(keys, "provider");
      providerPub = pk.pub;
      await net.wireguardGo(iface, provider);
      await runCommand("wg", ["set", iface, "listen-port", "51820", "private-key", pk.file]);
      await ipn(provider, ["address", "add", "10.77.0.1/16", "dev", iface]);
      await ipn(provider, ["address", "add", "fd77:dead:beef::1/64", "dev", iface, "nodad"]);
      await ipn(provider, ["link", "set", iface, "up"]);
    }
    for (let i = 0; i < clients; i++) {
      const ns = `dvxc${i}${sfx}`;
      const cif = `dvxt${i}${sfx}`;
      const veth = `dvxe${i}${sfx}`;
      await net.addNs(ns);
      await ipn(provider, ["link", "add", veth, "type", "veth", "peer", "name", `dvxf${i}${sfx}`, "netns", ns]);
      await ipn(provider, ["address", "add", `172.30.${i}.1/30`, "dev", veth]);
      await ipn(provider, ["link", "set", veth, "up"]);
      await ipn(ns, ["address", "add", `172.30.${i}.2/30`, "dev", `dvxf${i}${sfx}`]);
      await ipn(ns, ["link", "set", `dvxf${i}${sfx}`, "up"]);
      const ck = await keyPair(keys, `client${i}`);
      const address4 = `10.77.0.${i + 2}`;
      const address6 = `fd77:dead:beef::${i + 2}`;
      await net.wireguardGo(cif, ns);
      await runCommand("wg", ["set", cif, "private-key", ck.file]);
      await runCommand("wg", [
        "set",
        cif,
        "peer",
        providerPub,
        "endpoint",
        `172.30.${i}.1:51820`,
        "allowed-ips",
        "0.0.0.0/0,::/0",
        "persistent-keepalive",
        "1",
      ]);
      await ipn(ns, ["address", "add", `${address4}/32`, "dev", cif]);
      await ipn(ns, ["address", "add", `${address6}/128`, "dev", cif, "nodad"]);
      await ipn(ns, ["link", "set", cif, "up"]);
      for (const dst of [
        "198.51.100.0/24",
        "203.0.113.0/24",
        "2001:db8:100::/64",
        "10.77.0.0/16",
        "fd77:dead:beef::/64",
      ])
        await ipn(ns, ["route", "replace", dst, "dev", cif]);
      if (!options.external)
        await runCommand("wg", ["set", iface, "peer", ck.pub, "allowed-ips", `${address4}/32,${address6}/128`]);
      lab.clients.push({
        ns,
        iface: cif,
        address4,
        publicKey: ck.pub,
        exec: (cmd, args, timeoutMs) =>
          runCommand("ip", ["netns", "exec", ns, cmd, ...args], { timeoutMs: timeoutMs ?? 30_000 }),
      });
    }
  } catch (err) {
    await lab.cleanup();
    throw err;
  }
  return lab;
}
