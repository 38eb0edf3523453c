import { InvalidInputError } from "../errors/input.ts";
import { intToIpv4, ipv4ToInt } from "./ipv4.ts";
import { wgKeyToBytes } from "./keys.ts";

/** Parameters of {@link renderWgQuickConfig}. */
export interface WgQuickConfigParameters {
  /** The client's base64 private key. */
  privateKey: string;
  /** Tunnel address(es) with prefixes, e.g. `"10.77.0.2/16,fd77:dead:beef::2/64"` (what acceptSession carried) or a list. */
  address: string | readonly string[];
  /** DNS servers for the `DNS =` line (omitted when empty). */
  dns?: readonly string[];
  /** The provider's base64 WireGuard public key. */
  peerPublicKey: string;
  /** The provider's `"host:port"`. */
  endpoint: string;
  /** Routed through the tunnel; default `["0.0.0.0/0", "::/0"]`. */
  allowedIPs?: readonly string[];
  /** Seconds between keepalives (0 or omitted: none). */
  persistentKeepalive?: number;
  /** Interface MTU (omitted: wg-quick's default). */
  mtu?: number;
  /**
   * The firewall mark of the tunnel's own UDP packets (omitted: wg-quick picks one for a full
   * tunnel). A full tunnel's policy routing lets marked packets use the main table, so two
   * nested tunnels share one mark: both reach their endpoints outside the inner full tunnel.
   * Sockets carrying it go around the tunnel too (e.g. an obfuscated transport's).
   */
  fwMark?: number;
}

/**
 * The IP version of an address: 4, 6, or 0 when it is not one (like node:net's isIP, without Node).
 * @param ip the candidate, without a prefix.
 * @returns 4, 6 or 0.
 * @example ipVersion("fd77:dead:beef::2") // 6
 */
export function ipVersion(ip: string): 0 | 4 | 6 {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(ip)) return 4;
  if (!/^[0-9A-Fa-f:.]+$/.test(ip) || !ip.includes(":")) return 0;
  try {
    // The URL parser validates IPv6 literals (embedded IPv4 included) in browsers and Node.
    return new URL(`http://[${ip}]/`).hostname.length > 2 ? 6 : 0;
  } catch {
    return 0;
  }
}

function checkCidr(value: string, field: string): string {
  const [ip, prefix, extra] = value.trim().split("/");
  const family = ip ? ipVersion(ip) : 0;
  const max = family === 6 ? 128 : 32;
  if (!family || extra !== undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
    throw new InvalidInputError({ field, value, reason: "must be an IP address with a prefix, e.g. 10.77.0.2/16" });
  }
  return `${ip}/${Number(prefix)}`;
}

function list(value: string | readonly string[]): string[] {
  return (typeof value === "string" ? value.split(",") : [...value]).map((s) => s.trim()).filter(Boolean);
}

/**
 * Renders a wg-quick configuration file for a client tunnel. A pure function: it validates
 * every value (keys are 32 bytes of base64, addresses are CIDRs, no value can inject a line)
 * and returns the file's text.
 * @param params keys, addresses, endpoint and options.
 * @returns the text of the `.conf` file (write it with mode 0600: it holds the private key).
 * @throws {InvalidInputError} on any malformed value.
 * @example
 * renderWgQuickConfig({
 *   privateKey: keys.privateKey, address: "10.77.0.2/16", dns: ["1.1.1.1"],
 *   peerPublicKey: provider.wgPublicKeyBase64, endpoint: provider.endpoint, persistentKeepalive: 25,
 * })
 */
export function renderWgQuickConfig(params: WgQuickConfigParameters): string {
  wgKeyToBytes(params.privateKey, "privateKey");
  wgKeyToBytes(params.peerPublicKey, "peerPublicKey");
  const addresses = list(params.address).map((a) => checkCidr(a, "address"));
  if (addresses.length === 0) throw new InvalidInputError({ field: "address", value: "", reason: "is empty" });
  const dns = (params.dns ?? []).map((d) => {
    if (!ipVersion(d)) throw new InvalidInputError({ field: "dns", value: d, reason: "must be an IP address" });
    return d;
  });
  const allowed = (params.allowedIPs ?? ["0.0.0.0/0", "::/0"]).map((a) => checkCidr(a, "allowedIPs"));
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(params.endpoint)) {
    throw new InvalidInputError({ field: "endpoint", value: params.endpoint, reason: 'must be "host:port"' });
  }
  const keepalive = params.persistentKeepalive ?? 0;
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) {
    throw new InvalidInputError({ field: "persistentKeepalive", value: keepalive, reason: "must be 0-65535 seconds" });
  }
  if (params.mtu !== undefined && (!Number.isInteger(params.mtu) || params.mtu < 1280 || params.mtu > 9000)) {
    throw new InvalidInputError({ field: "mtu", value: params.mtu, reason: "must be 1280-9000" });
  }
  if (
    params.fwMark !== undefined &&
    (!Number.isInteger(params.fwMark) || params.fwMark < 1 || params.fwMark > 0xffffffff)
  ) {
    throw new InvalidInputError({ field: "fwMark", value: params.fwMark, reason: "must be 1-4294967295" });
  }
  const lines = ["[Interface]", `PrivateKey = ${params.privateKey}`, `Address = ${addresses.join(", ")}`];
  if (dns.length) lines.push(`DNS = ${dns.join(", ")}`);
  if (params.mtu !== undefined) lines.push(`MTU = ${params.mtu}`);
  if (params.fwMark !== undefined) lines.push(`FwMark = ${params.fwMark}`);
  lines.push("", "[Peer]", `PublicKey = ${params.peerPublicKey}`, `Endpoint = ${params.endpoint}`);
  lines.push(`AllowedIPs = ${allowed.join(", ")}`);
  if (keepalive > 0) lines.push(`PersistentKeepalive = ${keepalive}`);
  return lines.join("\n") + "\n";
}

/** A session's tunnel addressing, decoded from the `tunnelAddress` of SessionAccepted. */
export interface TunnelAddress {
  /** The client's IPv4 address with the pool prefix, e.g. "10.77.0.2/16". */
  ipv4: string | undefined;
  /** The client's IPv6 address with the pool prefix, when given. */
  ipv6: string | undefined;
  /** The gateway: first host of the IPv4 pool (the agent's voucher API lives there). */
  gateway: string | undefined;
  /** Every address, for wg-quick's `Address =`. */
  addresses: string[];
}

/**
 * Decodes a tunnel address string `"<ipv4>/<prefix>,<ipv6>/<prefix>"` (IPv6 optional) and
 * finds the gateway (first host of the IPv4 pool), per the agent/client conventions.
 * @param tunnelAddress what the provider passed to acceptSession.
 * @returns the addresses and the gateway.
 * @throws {InvalidInputError} when a part is not an IP with a prefix.
 * @example parseTunnelAddress("10.77.0.2/16,fd77:dead:beef::2/64").gateway // "10.77.0.1"
 */
export function parseTunnelAddress(tunnelAddress: string): TunnelAddress {
  const addresses = list(tunnelAddress).map((a) => checkCidr(a, "tunnelAddress"));
  const ipv4 = addresses.find((a) => ipVersion(a.split("/")[0]!) === 4);
  const ipv6 = addresses.find((a) => ipVersion(a.split("/")[0]!) === 6);
  let gateway: string | undefined;
  if (ipv4) {
    const [ip, prefix] = ipv4.split("/") as [string, string];
    const n = ipv4ToInt(ip);
    const size = 2 ** (32 - Number(prefix));
    gateway = intToIpv4(n - (n % size) + (Number(prefix) >= 31 ? 0 : 1));
  }
  return { ipv4, ipv6, gateway, addresses };
}
