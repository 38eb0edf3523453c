/**
 * Where the DNS forwarder sends queries: the `dnsUpstream` option, else the `nameserver` lines
 * of the host's /etc/resolv.conf. The gateway's own addresses are left out (a loop).
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { ConfigError } from "../errors.ts";

/** One upstream resolver. */
export interface Upstream {
  host: string;
  port: number;
}

/**
 * Parses one upstream: `1.1.1.1`, `1.1.1.1:5353`, `2606:4700:4700::1111` or `[2606:4700:4700::1111]:53`.
 * @param entry the text.
 * @returns the upstream.
 * @throws ConfigError naming the entry.
 */
export function parseUpstream(entry: string): Upstream {
  const e = entry.trim();
  const bracket = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(e);
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?::(\d{1,5}))?$/.exec(e);
  const [host, port] = bracket ? [bracket[1]!, bracket[2]] : v4 ? [v4[1]!, v4[2]] : [e, undefined];
  const p = port === undefined ? 53 : Number(port);
  if (!isIP(host) || p < 1 || p > 65535) {
    throw new ConfigError(
      `dnsUpstream ${JSON.stringify(entry)} is not an IP address with an optional port (e.g. 1.1.1.1 or [2606:4700:4700::1111]:53)`,
    );
  }
  return { host, port: p };
}

/**
 * The nameservers of a resolv.conf text (scoped link-local addresses are skipped).
 * @param text the file's text.
 * @returns their addresses, in order.
 */
export function resolvConfNameservers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && isIP(m[1]!) && !m[1]!.includes("%")) out.push(m[1]!);
  }
  return out;
}

/**
 * The upstreams to use.
 * @param p the configured entries (empty: read `resolvConf`) and the gateway addresses to skip.
 * @returns the upstreams, maybe none.
 */
export function upstreamsOf(p: { configured: string[]; exclude: string[]; resolvConf?: string }): Upstream[] {
  let list: Upstream[];
  if (p.configured.length) list = p.configured.map(parseUpstream);
  else {
    let text = "";
    try {
      text = readFileSync(p.resolvConf ?? "/etc/resolv.conf", "utf8");
    } catch {
      /* no resolv.conf: no upstream */
    }
    list = resolvConfNameservers(text).map((host) => ({ host, port: 53 }));
  }
  return list.filter((u) => !p.exclude.includes(u.host));
}
