/**
 * Renders the agent's nftables table as one `nft -f` script: forwarding rules for the tunnel
 * (client isolation, per-peer rate limit and connection cap, exit policy) and masquerade from
 * the tunnel pool to the uplink, IPv4 and IPv6. Pure: the caller runs it. The script replaces
 * the table atomically (`table …{}` + `delete table …` + the table, in one transaction), so it
 * touches nothing outside the table and never leaves a half-built one.
 */
import { isV6, type ExitPolicy, type PortRange } from "./policy.ts";

/** Everything the table is built from. */
export interface FirewallSpec {
  /** Table name in the `inet` family, e.g. `dvpn_dvpn0`. */
  table: string;
  /** The WireGuard interface. */
  iface: string;
  /** Masquerade only out of this interface; unset: out of any interface but the tunnel. */
  uplink?: string;
  /** Tunnel pools, e.g. `10.77.0.0/16` and `fd77:dead:beef::/64` (IPv6 optional). */
  pool4: string;
  pool6?: string;
  policy: ExitPolicy;
  /** Per-peer limit in each direction, megabits per second (0: none). */
  rateLimitMbit: number;
  /** Most connections one peer may open at once (0: none). */
  maxConnections: number;
  /** Written into the table's comment so a changed spec is seen in the listing. */
  tag: string;
}

/** The table name for an interface: `dvpn_<iface>` with the characters nft allows. */
export const tableName = (iface: string) => `dvpn_${iface.replace(/[^A-Za-z0-9_]/g, "_")}`;

const q = (s: string) => JSON.stringify(s);
const portList = (ps: PortRange[]) => ps.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)).join(", ");
const REJECT = "reject with icmpx admin-prohibited";

function staticSet(name: string, type: string, elements: string[]): string {
  const els = elements.length ? ` elements = { ${elements.join(", ")} }` : "";
  return `  set ${name} { type ${type}; flags interval; auto-merge;${els} }`;
}

/** The `nft -f` script that (re)creates the table exactly as `spec` says. */
export function renderTable(spec: FirewallSpec): string {
  const { table, iface, policy } = spec;
  const dev = q(iface);
  const v6 = spec.pool6 !== undefined && spec.pool6 !== "";
  const families: ["ip" | "ip6", string][] = v6
    ? [
        ["ip", "v4"],
        ["ip6", "v6"],
      ]
    : [["ip", "v4"]];
  const sets: string[] = [
    staticSet("deny_ports", "inet_service", policy.denyPorts.length ? [portList(policy.denyPorts)] : []),
    staticSet("allow_ports", "inet_service", policy.allowPorts.length ? [portList(policy.allowPorts)] : []),
    staticSet(
      "deny_v4",
      "ipv4_addr",
      policy.denyRanges.filter((r) => !isV6(r)),
    ),
    staticSet("deny_v6", "ipv6_addr", policy.denyRanges.filter(isV6)),
    staticSet(
      "allow_v4",
      "ipv4_addr",
      policy.allowRanges.filter((r) => !isV6(r)),
    ),
    staticSet("allow_v6", "ipv6_addr", policy.allowRanges.filter(isV6)),
  ];
  const fromPeers: string[] = [`    oifname ${dev} ${REJECT}`];
  const toPeers: string[] = [];
  if (spec.rateLimitMbit > 0) {
    // Exact bytes (nft's "kbytes" are 1024 bytes) and no extra burst: in byte mode the kernel's
    // bucket already holds one second of the rate plus the burst (nft_limit: unit × (rate +
    // burst) / rate), so a peer idle for a second may send one second's worth at full speed
    // before it is held to the rate; a burst would only add to that.
    const bytes = Math.max(1, Math.round(spec.rateLimitMbit * 125_000));
    const limit = `limit rate over ${bytes} bytes/second`;
    for (const [fam, v] of families) {
      const type = v === "v4" ? "ipv4_addr" : "ipv6_addr";
      sets.push(`  set up_${v} { type ${type}; size 65535; flags dynamic,timeout; timeout 60s; }`);
      sets.push(`  set down_${v} { type ${type}; size 65535; flags dynamic,timeout; timeout 60s; }`);
      fromPeers.push(`    update @up_${v} { ${fam} saddr ${limit} } drop`);
      toPeers.push(`    update @down_${v} { ${fam} daddr ${limit} } drop`);
    }
  }
  if (spec.maxConnections > 0) {
    for (const [fam, v] of families) {
      const type = v === "v4" ? "ipv4_addr" : "ipv6_addr";
      sets.push(`  set conns_${v} { type ${type}; size 65535; flags dynamic; }`);
      fromPeers.push(
        `    ct state new add @conns_${v} { ${fam} saddr ct count over ${spec.maxConnections} } ${REJECT}`,
      );
    }
  }
  fromPeers.push(`    ip daddr @deny_v4 ${REJECT}`, `    ip6 daddr @deny_v6 ${REJECT}`);
  if (policy.allowRanges.length)
    fromPeers.push(`    ip daddr != @allow_v4 ${REJECT}`, `    ip6 daddr != @allow_v6 ${REJECT}`);
  fromPeers.push("    tcp dport @deny_ports reject with tcp reset", "    udp dport @deny_ports reject");
  if (policy.allowPorts.length)
    fromPeers.push("    tcp dport != @allow_ports reject with tcp reset", "    udp dport != @allow_ports reject");

  const out = spec.uplink ? `oifname ${q(spec.uplink)}` : `oifname != ${dev}`;
  const nat = [`    iifname ${dev} ${out} ip saddr ${spec.pool4} masquerade`];
  if (v6) nat.push(`    iifname ${dev} ${out} ip6 saddr ${spec.pool6} masquerade`);

  return [
    `table inet ${table} {}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    `  comment ${q(`owned by the dvpn gateway agent for ${iface}; do not edit (${spec.tag})`)}`,
    ...sets,
    "  chain forward {",
    "    type filter hook forward priority filter; policy accept;",
    `    iifname ${dev} goto from_peers`,
    `    oifname ${dev} goto to_peers`,
    "  }",
    "  chain from_peers {",
    ...fromPeers,
    "  }",
    "  chain to_peers {",
    ...toPeers,
    "  }",
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    ...nat,
    "  }",
    "}",
    "",
  ].join("\n");
}
