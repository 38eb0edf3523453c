/**
 * The two-hop lab, shared by the namespace test and `npm run bench:hops`: the client lab
 * ({@link startClientLab}: client, provider and "internet" namespaces, a `hardhat node` on the
 * host) plus an exit namespace `x` between the provider namespace and the internet:
 *
 *   client ── 10.99.2.0/30 ── p (entry, DE) ── 10.99.3.0/30 ── x (exit, NL) ── 10.99.4.0/30 ── internet
 *
 * Both agents run with their firewall (forwarding, NAT, the exit policy with the lab's private
 * ranges allowed), so the exit sees the entry's address (10.99.3.1) and the internet the exit's
 * (10.99.4.1). The exit reaches the chain through p from an address of its own (10.97.x.y, like the
 * client's uplink), so concurrent labs never share a host route. Users: 0 entry, 1 exit, 2 the
 * client's wallet, 3 a second paying account; with `spares`, 4 a second exit and 5 a second entry
 * (dearer, so the first ones are picked first).
 */
import { keccak256, toHex } from "viem";
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Topology } from "../../test/kit/dataPlane.ts";
import type { CliChain } from "./cliChain.ts";
import { startClientLab } from "./clientUplink.ts";
import { startLabProvider, type LabProvider } from "./labProvider.ts";

/** Addresses of the exit namespace's links. */
export const HOPS = {
  entryToExit: "10.99.3.1",
  exitAddress: "10.99.3.2",
  exitToInternet: "10.99.4.1",
  internetAddress: "10.99.4.2",
} as const;

/**
 * The spares share a namespace (a host) with the first entry or exit, so they are given pools of
 * their own, as an operator running two agents on one host would; outside the derived range
 * (10.64.0.0/10), so they never meet the first ones' derived pools.
 */
const SPARE_POOLS = {
  exit: "10.140.0.0/16",
  exit6: "fd8c:dead:beef::/64",
  entry: "10.141.0.0/16",
  entry6: "fd8d:dead:beef::/64",
} as const;

/**
 * The entry's and the exit's accounts (users 0 and 1) are fixed, hashed from a label, so the pools their
 * agents derive by default are known and differ (10.91.0.0/16 and 10.126.0.0/16): with new random accounts about 1 run in 47 would pair
 * two agents on one pool, and the lab without spares has no second exit to fail over to (that case is
 * tested with a test driver in sdk/src/tunnel/createTwoHopConnection.test.ts).
 */
const LAB_KEYS = {
  entry: keccak256(toHex("dvpn two-hop lab: entry provider")),
  exit: keccak256(toHex("dvpn two-hop lab: exit provider")),
} as const;

/** The running lab. */
export interface TwoHopLab {
  topo: Topology;
  chain: CliChain;
  /** The exit's namespace. */
  exitNs: string;
  entry: LabProvider;
  exit: LabProvider;
  /** With `spares`: a second entry (US, in p) and a second exit (NL, in x) for failover. */
  spareEntry?: LabProvider;
  spareExit?: LabProvider;
  dir: string;
  /**
   * Starts `dvpn …args` in the client namespace with user 2's wallet and its state in `<dir>/<state>`,
   * collecting its output (the process ends with the topology).
   */
  dvpn(args: string[], state: string): RunningCli;
  /** Stops the agents, removes the namespaces and the chain (also what a failed start left). */
  stop(): Promise<void>;
}

const exec = promisify(execFile);
const root = join(import.meta.dirname, "../..");

/** A running `dvpn` of the lab. */
export interface RunningCli {
  cli: ChildProcess;
  /** What it printed so far. */
  out: { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

/**
 * Starts the lab.
 * @param tag the topology's tag (unique per run).
 * @returns the lab; call `stop()`.
 */
export async function startTwoHopLab(tag: string, o: { spares?: boolean } = {}): Promise<TwoHopLab> {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-hops-"));
  let topo: Topology | undefined;
  let chain: CliChain | undefined;
  const agents: LabProvider[] = [];
  const stop = async () => {
    for (const a of agents) await a.agent.stop().catch(() => undefined);
    await topo?.destroy();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    ({ topo, chain } = await startClientLab(tag, o.spares ? 6 : 4, [LAB_KEYS.entry, LAB_KEYS.exit]));
    const t = topo;
    const exitNs = `dvpn-${tag}-x`;
    const ip = (args: string[]) => exec("ip", args);
    await ip(["netns", "add", exitNs]);
    await ip([
      "-n",
      t.provider,
      "link",
      "add",
      `dv${tag}px`,
      "type",
      "veth",
      "peer",
      "name",
      `dv${tag}xp`,
      "netns",
      exitNs,
    ]);
    await ip([
      "-n",
      exitNs,
      "link",
      "add",
      `dv${tag}xi`,
      "type",
      "veth",
      "peer",
      "name",
      `dv${tag}ix`,
      "netns",
      t.internet,
    ]);
    for (const [ns, dev, addr] of [
      [t.provider, `dv${tag}px`, HOPS.entryToExit],
      [exitNs, `dv${tag}xp`, HOPS.exitAddress],
      [exitNs, `dv${tag}xi`, HOPS.exitToInternet],
      [t.internet, `dv${tag}ix`, HOPS.internetAddress],
    ] as const) {
      await ip(["-n", ns, "addr", "add", `${addr}/30`, "dev", dev]);
      await ip(["-n", ns, "link", "set", dev, "up"]);
    }
    await ip(["-n", exitNs, "link", "set", "lo", "up"]);
    await t.run(exitNs, "sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
    // The exit's own way to the host (chain, metrics), from a unique address routed through p.
    const exitUplink = t.hostAddress.replace(/^10\.98\./, "10.97.");
    await ip(["-n", exitNs, "addr", "add", `${exitUplink}/32`, "dev", `dv${tag}xp`]);
    await ip(["-n", t.provider, "route", "add", `${exitUplink}/32`, "dev", `dv${tag}px`]);
    await ip(["route", "add", `${exitUplink}/32`, "via", t.providerUplink, "dev", `dv${tag}h`]);
    await ip(["-n", exitNs, "route", "add", `${t.hostAddress}/32`, "via", HOPS.entryToExit, "src", exitUplink]);

    const dvpn = (args: string[], state: string): RunningCli => {
      const cli = t.spawn(t.client, "bash", [join(root, "bin/dvpn"), ...args], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          DVPN_RPC_URL: chain!.url,
          DVPN_DEPLOYMENTS_DIR: chain!.dir,
          DVPN_PRIVATE_KEY: chain!.keys[2]!,
          DVPN_STATE_DIR: join(dir, state),
          DVPN_PROGRESS_MS: "2000",
        },
      });
      const out = { stdout: "", stderr: "" };
      cli.stdout!.on("data", (d: Buffer) => (out.stdout += d.toString()));
      cli.stderr!.on("data", (d: Buffer) => (out.stderr += d.toString()));
      return { cli, out, exited: new Promise((resolve) => cli.once("close", resolve)) };
    };
    const firewall = ["--firewall", "true", "--exit-deny-ranges", "192.0.2.0/24"];
    const entry = await startLabProvider({
      topology: t,
      chain,
      i: 0,
      iface: `dv${tag}we`,
      dir,
      region: "DE",
      extraArgs: firewall,
    });
    agents.push(entry);
    const exit = await startLabProvider({
      topology: { ...t, provider: exitNs, providerUplink: exitUplink },
      chain,
      i: 1,
      iface: `dv${tag}wx`,
      dir,
      host: HOPS.exitAddress,
      region: "NL",
      extraArgs: [...firewall, "--dns-upstream", HOPS.internetAddress],
    });
    agents.push(exit);
    if (!o.spares) return { topo: t, chain, exitNs, entry, exit, dir, dvpn, stop };
    const spareExit = await startLabProvider({
      topology: { ...t, provider: exitNs, providerUplink: exitUplink },
      chain,
      i: 4,
      iface: `dv${tag}wy`,
      dir,
      host: HOPS.exitAddress,
      port: 51821,
      region: "NL",
      pricePerGiB: 60_000n,
      pool: SPARE_POOLS.exit,
      v6: SPARE_POOLS.exit6,
      metricsPort: 9465,
      extraArgs: [...firewall, "--dns-upstream", HOPS.internetAddress],
    });
    agents.push(spareExit);
    const spareEntry = await startLabProvider({
      topology: t,
      chain,
      i: 5,
      iface: `dv${tag}wf`,
      dir,
      port: 51821,
      region: "US",
      pricePerGiB: 60_000n,
      pool: SPARE_POOLS.entry,
      v6: SPARE_POOLS.entry6,
      metricsPort: 9465,
      extraArgs: firewall,
    });
    agents.push(spareEntry);
    return { topo: t, chain, exitNs, entry, exit, spareEntry, spareExit, dir, dvpn, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
