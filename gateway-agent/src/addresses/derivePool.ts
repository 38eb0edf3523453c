/**
 * The default tunnel pools of a provider, derived from its account address: deterministic (the
 * same account always gets the same pools, with no state to keep) and spread, so two providers
 * rarely hand out the same gateway and a client can chain them (two hops).
 *
 * IPv4: one /16 in 10.64.0.0/10 (10.64.0.0/16 … 10.127.0.0/16), except 10.77.0.0/16 and
 * 10.96.0.0/12. Home routers and office networks number from the bottom of 10/8 (10.0.x, 10.1.x,
 * 10.10.x), large clouds hand out the top half (10.128.0.0/9, e.g. Google Cloud's auto-mode
 * networks), 100.64.0.0/10 is the carriers' CGNAT range, and 172.16/12 and 192.168/16 are where
 * Docker and home LANs live. 10.96.0.0/12 is Kubernetes' default service range (kubeadm, kind),
 * routed on hosts that run a cluster. 10.77.0.0/16 was every agent's default before pools were
 * derived: leaving it out means a derived pool never meets an agent still on it. 47 pools are
 * left: two providers share one with a chance of about 1 in 47, which the two-hop client handles
 * by trying another exit.
 *
 * IPv6: a unique local /64 (RFC 4193: fd00::/8, a 40-bit global ID, subnet 0) whose global ID
 * comes from the same hash, the same size as the pool every agent used before.
 */
import { getAddress, hexToBytes, keccak256, type Address } from "viem";

/** The /16s an IPv4 pool is derived in: 10.FIRST.0.0 … 10.LAST.0.0, except the EXCLUDED second octets. */
export const DERIVED_POOL_RANGE = {
  first: 64,
  last: 127,
  /** 10.77.0.0/16 (the old default) and 10.96.0.0/12 (Kubernetes' services). */
  excluded: [77, ...Array.from({ length: 16 }, (_, i) => 96 + i)],
} as const;

/** The pools every agent used before they were derived (kept by stores that handed them out). */
export const LEGACY_POOLS = { ipv4Pool: "10.77.0.0/16", ipv6Pool: "fd77:dead:beef::/64" } as const;

const SECOND_OCTETS = Array.from(
  { length: DERIVED_POOL_RANGE.last - DERIVED_POOL_RANGE.first + 1 },
  (_, i) => DERIVED_POOL_RANGE.first + i,
).filter((o) => !(DERIVED_POOL_RANGE.excluded as readonly number[]).includes(o));

/**
 * The default pools of the provider `account`.
 * @param account the provider's account address (any letter case).
 * @returns an IPv4 /16 and an IPv6 /64, as CIDR strings.
 * @example derivePools("0x70997970C51812dc3A010C7d01b50e0d17dc79C8") // { ipv4Pool: "10.x.0.0/16", ipv6Pool: "fdxx:xxxx:xxxx::/64" }
 */
export function derivePools(account: Address): { ipv4Pool: string; ipv6Pool: string } {
  const h = hexToBytes(keccak256(hexToBytes(getAddress(account))));
  // 32 bits of the hash for the /16: the modulo bias over 47 choices is below 1e-8.
  const word = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
  const octet = SECOND_OCTETS[word % SECOND_OCTETS.length]!;
  const hex = (i: number) => h[i]!.toString(16).padStart(2, "0");
  // fdGG:GGGG:GGGG::/64 with the 40-bit global ID GG…G.
  const groups = [`fd${hex(4)}`, `${hex(5)}${hex(6)}`, `${hex(7)}${hex(8)}`].map((g) => g.replace(/^0+(?=.)/, ""));
  return { ipv4Pool: `10.${octet}.0.0/16`, ipv6Pool: `${groups.join(":")}::/64` };
}
