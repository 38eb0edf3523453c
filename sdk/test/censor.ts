/**
 * A "censor" between the client and the providers of a test topology: a namespace bridging the
 * client ═ provider link (`dvpn-<tag>-z`, the client's veth is unchanged) whose nftables bridge
 * table drops WireGuard handshake initiations by their UDP payload (message type 1, 148 bytes)
 * and then every other UDP datagram, counting both. TCP passes, as through a middlebox that
 * lets the web through.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { TOPOLOGY, type Topology } from "../../test/kit/dataPlane.ts";

const exec = promisify(execFile);
const ip = (args: string[]) => exec("ip", args);

/** The censor's rules, with a counter each. */
const RULESET = `table bridge dvpn_censor {
  chain forward {
    type filter hook forward priority 0; policy accept;
    udp length 156 @th,64,32 0x01000000 counter drop comment "wireguard-handshake"
    meta l4proto udp counter drop comment "udp"
  }
}
`;

/** A censor in place. */
export interface Censor {
  ns: string;
  /** Packets each rule dropped so far. */
  counters(): Promise<{ handshakes: number; udp: number }>;
  /** Removes the censor's namespace (and with it the bridged link). Idempotent. */
  remove(): Promise<void>;
}

/**
 * Puts a censor on the client ═ provider link of `topo` (made by `startClientLab`, whose route to
 * the client's uplink address is restored on the provider's new end).
 * @param topo the topology; @param tag its tag.
 */
export async function insertCensor(topo: Topology, tag: string): Promise<Censor> {
  const ns = `dvpn-${tag}-z`;
  const pc = `dv${tag}pc`;
  const remove = async () => void (await ip(["netns", "del", ns]).catch(() => undefined));
  try {
    await ip(["netns", "add", ns]);
    await ip(["-n", ns, "link", "set", "lo", "up"]);
    // The provider's end of the client link moves into the censor, renamed; a new pair joins them.
    await ip(["-n", topo.provider, "link", "set", pc, "netns", ns]);
    await ip(["-n", ns, "link", "set", pc, "name", `dv${tag}zc`]);
    await ip(["-n", ns, "link", "add", `dv${tag}zp`, "type", "veth", "peer", "name", pc, "netns", topo.provider]);
    await ip(["-n", ns, "link", "add", `dv${tag}zb`, "type", "bridge"]);
    for (const dev of [`dv${tag}zc`, `dv${tag}zp`]) {
      await ip(["-n", ns, "link", "set", dev, "master", `dv${tag}zb`]);
      await ip(["-n", ns, "link", "set", dev, "up"]);
    }
    await ip(["-n", ns, "link", "set", `dv${tag}zb`, "up"]);
    await ip(["-n", topo.provider, "addr", "add", `${TOPOLOGY.providerToClient}/30`, "dev", pc]);
    await ip(["-n", topo.provider, "link", "set", pc, "up"]);
    const clientUplink = topo.hostAddress.replace(/^10\.98\./, "10.96.");
    await ip(["-n", topo.provider, "route", "add", `${clientUplink}/32`, "dev", pc]);
    await ip(["-n", topo.client, "neigh", "flush", "dev", `dv${tag}cp`]);
    await topo.run(ns, "nft", ["-f", "-"], RULESET);
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    ns,
    async counters() {
      const text = await topo.run(ns, "nft", ["list", "table", "bridge", "dvpn_censor"]);
      const count = (comment: string) =>
        Number(new RegExp(`counter packets (\\d+) bytes \\d+ drop comment "${comment}"`).exec(text)?.[1] ?? NaN);
      return { handshakes: count("wireguard-handshake"), udp: count("udp") };
    },
    remove,
  };
}
