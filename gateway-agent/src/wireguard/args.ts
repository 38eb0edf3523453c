/**
 * Builds the argument arrays of `wg set` calls. Every value is validated first, so nothing a
 * chain event or a config file carries can become an option of its own (`peer X remove`
 * smuggled into a key, a `-` prefix, a newline…).
 */
import { isIP } from "node:net";
import { WgArgumentError } from "../errors.ts";
import { isInterfaceName } from "../../../sdk/src/wireguard/interfaceName.ts";
import { isWgKey } from "../../../sdk/src/wireguard/keys.ts";

/** A peer as the agent wants it: its key and the tunnel addresses routed to it. */
export interface PeerSpec {
  publicKey: string;
  allowedIps: string[];
}

/** The difference to apply to an interface. */
export interface PeerChanges {
  upsert: PeerSpec[];
  remove: string[];
}

/** Throws unless `name` is a valid Linux interface name (1–15 safe characters). */
export function assertInterfaceName(name: unknown): asserts name is string {
  if (!isInterfaceName(name)) {
    throw new WgArgumentError("invalid interface name (1–15 of A-Z a-z 0-9 _ . = + -, not starting with -)");
  }
}

/** Throws unless `key` is a usable WireGuard key (the SDK's {@link isWgKey}). */
export function assertWgKey(key: unknown): asserts key is string {
  if (!isWgKey(key)) throw new WgArgumentError("invalid WireGuard key (want 32 non-zero bytes in base64)");
}

/** Throws unless `cidr` is an IPv4 or IPv6 address with a prefix length that fits it. */
export function assertCidr(cidr: unknown): asserts cidr is string {
  if (typeof cidr !== "string") throw new WgArgumentError("allowed IP is not a string");
  const m = /^([0-9a-fA-F:.]{2,39})\/(\d{1,3})$/.exec(cidr);
  const family = m ? isIP(m[1] ?? "") : 0;
  const prefix = Number(m?.[2]);
  if (!m || family === 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new WgArgumentError(`invalid allowed IP ${JSON.stringify(cidr.slice(0, 64))}`);
  }
}

/**
 * The `wg set` argument arrays for `changes`, at most `batchSize` peers per call.
 * @example buildSetArgs("wg0", { upsert: [{ publicKey, allowedIps: ["10.77.0.2/32"] }], remove: [] })
 *   // [["set", "wg0", "peer", publicKey, "allowed-ips", "10.77.0.2/32"]]
 */
export function buildSetArgs(iface: string, changes: PeerChanges, batchSize = 1000): string[][] {
  assertInterfaceName(iface);
  const parts: string[][] = [];
  for (const key of changes.remove) {
    assertWgKey(key);
    parts.push(["peer", key, "remove"]);
  }
  for (const peer of changes.upsert) {
    assertWgKey(peer.publicKey);
    if (peer.allowedIps.length === 0) throw new WgArgumentError("a peer needs at least one allowed IP");
    for (const ip of peer.allowedIps) assertCidr(ip);
    parts.push(["peer", peer.publicKey, "allowed-ips", peer.allowedIps.join(",")]);
  }
  const calls: string[][] = [];
  for (let i = 0; i < parts.length; i += batchSize) {
    calls.push(["set", iface, ...parts.slice(i, i + batchSize).flat()]);
  }
  return calls;
}
