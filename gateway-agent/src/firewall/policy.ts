/**
 * The exit policy and fair-sharing limits an operator chooses, parsed from config strings
 * ("25,465,6881-6889", "10.0.0.0/8,fc00::/7") into checked values, and the compact form the
 * provider publishes ({@link formatExitPolicy}).
 */
import { isIP } from "node:net";
import { ConfigError } from "../errors.ts";

/** A port or an inclusive port range. */
export interface PortRange {
  from: number;
  to: number;
}

/** Where clients may go through this provider. Empty allow lists mean "everything not denied". */
export interface ExitPolicy {
  denyPorts: PortRange[];
  allowPorts: PortRange[];
  denyRanges: string[];
  allowRanges: string[];
}

/** Ports refused by default: SMTP submission to port 25 (the usual source of abuse complaints). */
export const DEFAULT_DENY_PORTS = "25";

/**
 * Destinations refused by default: the provider's own private networks, carrier-grade NAT,
 * link-local (cloud metadata services live at 169.254.169.254) and IPv6 unique/link-local.
 */
export const DEFAULT_DENY_RANGES =
  "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,169.254.0.0/16,fc00::/7,fe80::/10";

function items(value: string | string[] | number[]): string[] {
  const list = Array.isArray(value) ? value.map(String) : value.split(/[,\s]+/);
  return list.map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Parses a port list such as `"25,465,6881-6889"` (or a JSON array of the same).
 * @throws ConfigError naming `option` and the bad item.
 */
export function parsePorts(option: string, value: string | string[] | number[]): PortRange[] {
  return items(value).map((item) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    const from = Number(m?.[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!m || from < 1 || to > 65535 || to < from) {
      throw new ConfigError(
        `${option}: ${JSON.stringify(item.slice(0, 32))} is not a port (1-65535) or a range like 6881-6889`,
      );
    }
    return { from, to };
  });
}

/**
 * Parses an address-range list such as `"10.0.0.0/8,2001:db8::/32"`; a bare address is a /32 or /128.
 * @throws ConfigError naming `option` and the bad item.
 */
export function parseRanges(option: string, value: string | string[]): string[] {
  return items(value).map((item) => {
    const [addr = "", prefix] = item.split("/");
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    const bits = prefix === undefined ? max : Number(prefix);
    if (family === 0 || !/^\d{0,3}$/.test(prefix ?? "") || !Number.isInteger(bits) || bits > max) {
      throw new ConfigError(
        `${option}: ${JSON.stringify(item.slice(0, 48))} is not an address range like 10.0.0.0/8 or fc00::/7`,
      );
    }
    return `${addr.toLowerCase()}/${bits}`;
  });
}

/** Whether a range is IPv6. */
export const isV6 = (cidr: string) => cidr.includes(":");

const ports = (list: PortRange[]) => list.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)).join(",");

/**
 * The published form of a policy: `;`-separated `key=list` pairs, only the non-empty ones, in a
 * fixed order (`deny-ports`, `allow-ports`, `deny-ranges`, `allow-ranges`), e.g.
 * `deny-ports=25;deny-ranges=10.0.0.0/8,fc00::/7`. An empty string means "no restriction".
 */
export function formatExitPolicy(p: ExitPolicy): string {
  const parts: string[] = [];
  if (p.denyPorts.length) parts.push(`deny-ports=${ports(p.denyPorts)}`);
  if (p.allowPorts.length) parts.push(`allow-ports=${ports(p.allowPorts)}`);
  if (p.denyRanges.length) parts.push(`deny-ranges=${p.denyRanges.join(",")}`);
  if (p.allowRanges.length) parts.push(`allow-ranges=${p.allowRanges.join(",")}`);
  return parts.join(";");
}

/** Reads the published form back (the inverse of {@link formatExitPolicy}). */
export function parseExitPolicy(text: string): ExitPolicy {
  const policy: ExitPolicy = { denyPorts: [], allowPorts: [], denyRanges: [], allowRanges: [] };
  for (const part of text.split(";").filter((s) => s !== "")) {
    const i = part.indexOf("=");
    const key = part.slice(0, i);
    const value = part.slice(i + 1);
    if (key === "deny-ports") policy.denyPorts = parsePorts(key, value);
    else if (key === "allow-ports") policy.allowPorts = parsePorts(key, value);
    else if (key === "deny-ranges") policy.denyRanges = parseRanges(key, value);
    else if (key === "allow-ranges") policy.allowRanges = parseRanges(key, value);
    else throw new ConfigError(`exit policy: unknown key ${JSON.stringify(key.slice(0, 32))}`);
  }
  return policy;
}
