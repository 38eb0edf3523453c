/**
 * A provider whose tunnel cannot live beside another tunnel the client has up: the same gateway,
 * or overlapping subnets (two hops through providers that hand out addresses from one pool). That
 * provider is no good for this pairing, but the next one may be: a connection leaves it (its
 * session closed, nothing used) and fails over instead of ending.
 */
import { DvpnError } from "../errors/base.ts";
import { ipv4ToInt } from "../wireguard/ipv4.ts";
import type { TunnelAddress } from "../wireguard/config.ts";

/**
 * Thrown by a tunnel driver's `up` (or the two-hop connection) when this provider's tunnel
 * conflicts with another one: {@link createVpnConnection} closes its session and tries the next.
 */
export class TunnelConflictError extends DvpnError {
  override name = "TunnelConflictError";
}

function v6Groups(ip: string): number[] {
  const [head = "", tail] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return all.map((g) => parseInt(g || "0", 16));
}

/** Whether two CIDRs of one family share an address (the shorter prefix decides). */
function overlaps(a: string, b: string): boolean {
  const [ipA = "", pa = ""] = a.split("/");
  const [ipB = "", pb = ""] = b.split("/");
  const prefix = Math.min(Number(pa), Number(pb));
  if (ipA.includes(":") !== ipB.includes(":")) return false;
  if (!ipA.includes(":")) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    return (ipv4ToInt(ipA) & mask) >>> 0 === (ipv4ToInt(ipB) & mask) >>> 0;
  }
  const ga = v6Groups(ipA);
  const gb = v6Groups(ipB);
  for (let bit = 0; bit < prefix; bit += 16) {
    const n = Math.min(16, prefix - bit);
    const mask = (0xffff << (16 - n)) & 0xffff;
    if (((ga[bit / 16] ?? 0) & mask) !== ((gb[bit / 16] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * Why a tunnel cannot be brought up beside another, or undefined when it can.
 * @param tunnel the new tunnel's addresses (the exit's, in two hops).
 * @param other the tunnel already up (the entry's).
 * @returns a sentence naming the shared gateway or the overlapping subnets.
 * @example tunnelConflict(parseTunnelAddress("10.77.0.2/16"), parseTunnelAddress("10.77.0.9/16")) // "… gateway 10.77.0.1 …"
 */
export function tunnelConflict(tunnel: TunnelAddress, other: TunnelAddress): string | undefined {
  if (tunnel.gateway !== undefined && tunnel.gateway === other.gateway) {
    return `its tunnel gateway ${tunnel.gateway} is also the other hop's (both providers hand out addresses from one pool)`;
  }
  for (const a of tunnel.addresses) {
    const b = other.addresses.find((x) => overlaps(a, x));
    if (b) return `its tunnel subnet ${a} overlaps the other hop's ${b}`;
  }
  return undefined;
}
