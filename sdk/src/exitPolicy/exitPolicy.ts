/**
 * A provider's exit policy: where its clients may go through it. The agent enforces it in its
 * nftables table and the provider publishes it in the registry (`setExitPolicy`) in the compact
 * form {@link formatExitPolicy} writes, e.g. `deny-ports=25;deny-ranges=10.0.0.0/8,fc00::/7`.
 * The registry checks the shape, the ports and the length (at most {@link MAX_EXIT_POLICY_LENGTH}
 * bytes); {@link parseExitPolicy} also checks every address.
 */
import { InvalidInputError } from "../errors/input.ts";

/** Longest published policy, in bytes (`ExitPolicy.MAX_LENGTH` in the registry). */
export const MAX_EXIT_POLICY_LENGTH = 512;

/** A port or an inclusive port range. */
export interface PortRange {
  from: number;
  to: number;
}

/** Where clients may go. Empty allow lists mean "everything not denied". */
export interface ExitPolicy {
  denyPorts: PortRange[];
  allowPorts: PortRange[];
  /** Address ranges, `address/prefix` with lower-case addresses. */
  denyRanges: string[];
  allowRanges: string[];
}

/** The policy that restricts nothing (what the empty published string means). */
export const OPEN_EXIT_POLICY: ExitPolicy = Object.freeze({
  denyPorts: [],
  allowPorts: [],
  denyRanges: [],
  allowRanges: [],
}) as ExitPolicy;

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4, 6 or 0 (not an address); runs in browsers too (no node:net). */
function ipFamily(addr: string): 0 | 4 | 6 {
  if (V4.test(addr)) return 4;
  if (!addr.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(addr)) return 0;
  try {
    new URL(`http://[${addr}]/`);
    return 6;
  } catch {
    return 0;
  }
}

function items(value: string | readonly (string | number)[]): string[] {
  const list = typeof value === "string" ? value.split(/[,\s]+/) : value.map(String);
  return list.map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Parses a port list such as `"25,465,6881-6889"` (or an array of the same).
 * @param field the name errors give the value.
 * @throws InvalidInputError naming `field` and the bad item.
 */
export function parsePortList(field: string, value: string | readonly (string | number)[]): PortRange[] {
  return items(value).map((item) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    const from = Number(m?.[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!m || from < 1 || to > 65535 || to < from) {
      throw new InvalidInputError({
        field,
        value: item.slice(0, 32),
        reason: "is not a port (1-65535) or a range like 6881-6889",
      });
    }
    return { from, to };
  });
}

/**
 * Parses an address-range list such as `"10.0.0.0/8,2001:db8::/32"`; a bare address is a /32 or
 * /128. Addresses come back lower-case with their prefix.
 * @throws InvalidInputError naming `field` and the bad item.
 */
export function parseRangeList(field: string, value: string | readonly string[]): string[] {
  return items(value).map((item) => {
    const [addr = "", prefix] = item.split("/");
    const family = ipFamily(addr);
    const max = family === 4 ? 32 : 128;
    const bits = prefix === undefined ? max : Number(prefix);
    if (family === 0 || !/^\d{0,3}$/.test(prefix ?? "") || !Number.isInteger(bits) || bits > max) {
      throw new InvalidInputError({
        field,
        value: item.slice(0, 48),
        reason: "is not an address range like 10.0.0.0/8 or fc00::/7",
      });
    }
    return `${addr.toLowerCase()}/${bits}`;
  });
}

const portText = (list: PortRange[]) =>
  list.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)).join(",");

/**
 * The published form of a policy: `;`-separated `key=list` pairs, only the non-empty ones, in a
 * fixed order (`deny-ports`, `allow-ports`, `deny-ranges`, `allow-ranges`). An open exit is `""`.
 * @example formatExitPolicy({ denyPorts: [{ from: 25, to: 25 }], allowPorts: [], denyRanges: ["10.0.0.0/8"], allowRanges: [] }) // "deny-ports=25;deny-ranges=10.0.0.0/8"
 */
export function formatExitPolicy(p: ExitPolicy): string {
  const parts: string[] = [];
  if (p.denyPorts.length) parts.push(`deny-ports=${portText(p.denyPorts)}`);
  if (p.allowPorts.length) parts.push(`allow-ports=${portText(p.allowPorts)}`);
  if (p.denyRanges.length) parts.push(`deny-ranges=${p.denyRanges.join(",")}`);
  if (p.allowRanges.length) parts.push(`allow-ranges=${p.allowRanges.join(",")}`);
  return parts.join(";");
}

const KEYS = ["deny-ports", "allow-ports", "deny-ranges", "allow-ranges"] as const;

/**
 * Reads the published form back (the inverse of {@link formatExitPolicy}), as strictly as the
 * registry: known keys, each once, in order, no empty lists, at most
 * {@link MAX_EXIT_POLICY_LENGTH} bytes, and every address well formed.
 * @throws InvalidInputError (field `exitPolicy`) saying what is wrong.
 */
export function parseExitPolicy(text: string): ExitPolicy {
  const bad = (reason: string) => new InvalidInputError({ field: "exitPolicy", value: text, reason });
  if (new TextEncoder().encode(text).length > MAX_EXIT_POLICY_LENGTH)
    throw bad(`is longer than ${MAX_EXIT_POLICY_LENGTH} bytes`);
  const policy: ExitPolicy = { denyPorts: [], allowPorts: [], denyRanges: [], allowRanges: [] };
  if (text === "") return policy;
  let last = -1;
  for (const part of text.split(";")) {
    const i = part.indexOf("=");
    const key = part.slice(0, Math.max(i, 0));
    const at = KEYS.indexOf(key as (typeof KEYS)[number]);
    if (i < 0 || at < 0) throw bad(`${JSON.stringify(part.slice(0, 24))} is not one of ${KEYS.join(", ")}=…`);
    if (at <= last) throw bad(`${key} comes twice or out of order (${KEYS.join(", ")})`);
    last = at;
    const value = part.slice(i + 1);
    if (!/^[^,\s]+(,[^,\s]+)*$/.test(value)) throw bad(`${key} needs a comma-separated list without spaces`);
    if (key === "deny-ports") policy.denyPorts = parsePortList(key, value);
    else if (key === "allow-ports") policy.allowPorts = parsePortList(key, value);
    else if (key === "deny-ranges") policy.denyRanges = parseRangeList(key, value);
    else policy.allowRanges = parseRangeList(key, value);
    if (key.endsWith("ranges") && value.split(",").some((r) => !r.includes("/")))
      throw bad(`${key} items need a prefix, e.g. 192.0.2.1/32`);
  }
  return policy;
}

/**
 * The fields of a published policy as written (`key` → its comma-separated value), without
 * checking them: for reading a policy that may not be well formed (e.g. one the feed shows as such).
 * @example exitPolicyFields("deny-ports=25;deny-ranges=10.0.0.0/8").get("deny-ports") // "25"
 */
export function exitPolicyFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of text.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && !fields.has(part.slice(0, i))) fields.set(part.slice(0, i), part.slice(i + 1));
  }
  return fields;
}

const inRanges = (list: PortRange[], port: number) => list.some((r) => r.from <= port && port <= r.to);

/**
 * Whether the policy lets clients open connections to destination `port` (TCP or UDP), leaving
 * address ranges aside.
 * @example exitPolicyAllowsPort(parseExitPolicy("deny-ports=25"), 443) // true
 */
export function exitPolicyAllowsPort(policy: ExitPolicy, port: number): boolean {
  if (inRanges(policy.denyPorts, port)) return false;
  return policy.allowPorts.length === 0 || inRanges(policy.allowPorts, port);
}

/**
 * One human line for a published policy, e.g. `ports 25 refused; 10.0.0.0/8 refused`, or
 * `no restriction` for the empty one.
 */
export function describeExitPolicy(text: string): string {
  const p = parseExitPolicy(text);
  const parts: string[] = [];
  if (p.allowPorts.length) parts.push(`only ports ${portText(p.allowPorts)}`);
  if (p.denyPorts.length) parts.push(`ports ${portText(p.denyPorts)} refused`);
  if (p.allowRanges.length) parts.push(`only to ${p.allowRanges.join(",")}`);
  if (p.denyRanges.length) parts.push(`${p.denyRanges.join(",")} refused`);
  return parts.length ? parts.join("; ") : "no restriction";
}
