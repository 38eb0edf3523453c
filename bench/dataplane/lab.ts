/**
 * The data-plane benchmark's lab inside a {@link Topology}: a wireguard-go tunnel between the
 * client and provider namespaces, a second route to the internet namespace around the tunnel (the
 * baseline), an iperf3 server there, and the extra peers of the "many peers" configuration added
 * and removed on the provider's interface in batched `wg set` calls.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bringUpClientTunnel } from "../../scripts/demo/clientTunnel.ts";
import { TOPOLOGY, type Topology } from "../../scripts/lib/netns.ts";
import { waitForOutput } from "../../scripts/lib/waitForOutput.ts";
import { generateWgKeyPair } from "../../sdk/src/wireguard/keys.ts";
import { cpuSeconds, pidsNamed, runIperf, type IperfResult } from "../lib/iperf.ts";

const WG_PORT = 51820;
const PROVIDER_TUNNEL = "10.77.0.1/16";
const CLIENT_TUNNEL = "10.77.0.2/16";
const CLIENT_TUNNEL_IP = "10.77.0.2/32";
/** A second address of the internet namespace, routed around the tunnel (the baseline target). */
const DIRECT_TARGET = "10.99.3.2";
/** Reached through the tunnel: the client's default route is the WireGuard interface. */
const TUNNEL_TARGET = TOPOLOGY.internetAddress;
/** Extra peers per `wg set` call. */
export const PEER_BATCH = 250;

/** The measured configurations: the plain path, the tunnel with one peer and with many. */
export type ConfigName = "noTunnel" | "tunnel1Peer" | "tunnelManyPeers";

/** One measured iperf3 run. */
export interface Measured extends IperfResult {
  round: number;
  /** CPU seconds of wireguard-go per side during the run. */
  providerWgCpuSeconds: number;
  clientWgCpuSeconds: number;
}

/** A lab that is up: the tunnel has completed its handshake. */
export interface DataplaneLab {
  topology: Topology;
  /** The provider's and the client's wireguard-go interfaces. */
  providerIface: string;
  clientIface: string;
  /**
   * One iperf3 run of `seconds` (after `omit` left-out seconds) from the client to the internet
   * namespace over configuration `name`, with the CPU time of both wireguard-go processes. The
   * extra peers are added or removed first when the configuration needs it.
   */
  measure(name: ConfigName, seconds: number, omit: number, round: number): Promise<Measured>;
  /** Wall times (ms) of adding and of removing the extra peers, once per change. */
  addMs: number[];
  removeMs: number[];
}

/**
 * Brings the lab up in `t` (whose `destroy` removes all of it) with `peers` peers on the
 * provider's interface in the "many" configuration, the client's peer included.
 */
export async function startDataplaneLab(t: Topology, peers: number): Promise<DataplaneLab> {
  const providerIface = `${t.ifacePrefix}wp`;
  const clientIface = `${t.ifacePrefix}wc`;
  const provider = generateWgKeyPair();
  const client = generateWgKeyPair();
  await bringUpProvider(t, providerIface, provider.privateKey, client.publicKey);
  await bringUpClientTunnel({
    topology: t,
    iface: clientIface,
    privateKey: client.privateKey,
    tunnelAddress: CLIENT_TUNNEL,
    peerPublicKey: provider.publicKey,
    endpoint: `${TOPOLOGY.providerToClient}:${WG_PORT}`,
  });
  await addDirectRoute(t);
  await startIperfServer(t);
  // The client's keepalive starts the handshake; measure only once it is done.
  await waitFor(
    "the WireGuard handshake",
    async () => /\t[1-9]\d*$/m.test(await t.run(t.provider, "wg", ["show", providerIface, "latest-handshakes"])),
    15_000,
  );
  const [providerWg] = await pidsNamed(t.provider, "wireguard-go");
  const [clientWg] = await pidsNamed(t.client, "wireguard-go");
  if (!providerWg || !clientWg) throw new Error("could not find the wireguard-go processes");

  const extraKeys = Array.from({ length: peers - 1 }, () => randomBytes(32).toString("base64"));
  const addMs: number[] = [];
  const removeMs: number[] = [];
  let manyPresent = false;
  const setMany = async (present: boolean) => {
    if (present === manyPresent) return;
    const ms = await setExtraPeers(t, providerIface, extraKeys, present);
    (present ? addMs : removeMs).push(ms);
    manyPresent = present;
    const count = await peerCount(t, providerIface);
    const want = present ? peers : 1;
    if (count !== want) throw new Error(`provider interface has ${count} peers, expected ${want}`);
  };

  const measure = async (name: ConfigName, seconds: number, omit: number, round: number): Promise<Measured> => {
    if (name !== "noTunnel") await setMany(name === "tunnelManyPeers");
    const p0 = cpuSeconds(providerWg);
    const c0 = cpuSeconds(clientWg);
    const r = await runIperf(t, t.client, name === "noTunnel" ? DIRECT_TARGET : TUNNEL_TARGET, seconds, omit);
    return {
      ...r,
      round,
      providerWgCpuSeconds: cpuSeconds(providerWg) - p0,
      clientWgCpuSeconds: cpuSeconds(clientWg) - c0,
    };
  };
  return { topology: t, providerIface, clientIface, measure, addMs, removeMs };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Provider side: a wireguard-go interface with the client as its one real peer. */
async function bringUpProvider(t: Topology, iface: string, privateKey: string, clientPublicKey: string) {
  t.spawn(t.provider, "wireguard-go", ["-f", iface], {
    env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" },
    stdio: "ignore",
  });
  await waitFor(
    `wireguard-go to create ${iface}`,
    async () => !!(await t.run(t.provider, "ip", ["link", "show", iface])),
    10_000,
  );
  // `wg` reads the key from a file (Node's stdin pipe is a socket, which /dev/stdin cannot open).
  const dir = mkdtempSync(join(tmpdir(), "dvpn-bench-"));
  try {
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, privateKey + "\n", { mode: 0o600 });
    const peer = ["peer", clientPublicKey, "allowed-ips", CLIENT_TUNNEL_IP];
    await t.run(t.provider, "wg", ["set", iface, "private-key", keyFile, "listen-port", String(WG_PORT), ...peer]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await t.run(t.provider, "ip", ["address", "add", PROVIDER_TUNNEL, "dev", iface]);
  await t.run(t.provider, "ip", ["link", "set", iface, "up"]);
}

/** The baseline path: a target in the internet namespace routed client → provider → internet without the tunnel. */
async function addDirectRoute(t: Topology): Promise<void> {
  await t.run(t.internet, "ip", ["address", "add", `${DIRECT_TARGET}/32`, "dev", "lo"]);
  await t.run(t.internet, "ip", ["route", "add", "10.99.2.0/30", "via", TOPOLOGY.providerToInternet]);
  await t.run(t.provider, "ip", ["route", "add", `${DIRECT_TARGET}/32`, "via", TOPOLOGY.internetAddress]);
  await t.run(t.client, "ip", ["route", "add", `${DIRECT_TARGET}/32`, "via", TOPOLOGY.providerToClient]);
}

async function startIperfServer(t: Topology): Promise<void> {
  const server = t.spawn(t.internet, "iperf3", ["-s", "--forceflush"], { stdio: ["ignore", "pipe", "pipe"] });
  await waitForOutput(server, "listening", "iperf3 server");
  server.stdout?.resume();
  server.stderr?.resume();
}

/** Adds or removes the extra peers in batched `wg set` calls; returns the wall time in ms. */
async function setExtraPeers(t: Topology, iface: string, keys: string[], present: boolean): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < keys.length; i += PEER_BATCH) {
    const args = ["set", iface];
    keys.slice(i, i + PEER_BATCH).forEach((key, j) => {
      const n = i + j;
      // Distinct /32s in the tunnel pool, clear of the provider (.0.1) and the client (.0.2).
      const ip = `10.77.${1 + (n >> 8)}.${n & 255}/32`;
      args.push("peer", key, ...(present ? ["allowed-ips", ip] : ["remove"]));
    });
    await t.run(t.provider, "wg", args);
  }
  return performance.now() - started;
}

async function peerCount(t: Topology, iface: string): Promise<number> {
  return (await t.run(t.provider, "wg", ["show", iface, "peers"])).split("\n").filter(Boolean).length;
}
