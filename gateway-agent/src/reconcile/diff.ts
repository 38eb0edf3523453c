/**
 * The reconcile diff: what to change on the interface so that its peers equal the desired set.
 * Unknown peers are removed; desired peers that are missing or route other addresses are
 * (re)written. Nothing else is touched.
 */
import type { PeerChanges, PeerSpec } from "../wireguard/args.ts";
import type { Dump } from "../../../sdk/src/wireguard/dump.ts";

function sameIps(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((v, i) => v === sb[i]);
}

/**
 * Computes the changes that turn `actual` into `desired`.
 * @example diffPeers([{ publicKey: k, allowedIps: ["10.77.0.2/32"] }], dump) // { upsert: [...], remove: [...] }
 */
export function diffPeers(desired: PeerSpec[], actual: Dump): PeerChanges {
  const want = new Map(desired.map((p) => [p.publicKey, p]));
  const upsert: PeerSpec[] = [];
  const remove: string[] = [];
  for (const p of desired) {
    const have = actual.peers.get(p.publicKey);
    if (!have || !sameIps(have.allowedIps, p.allowedIps)) upsert.push(p);
  }
  for (const key of actual.peers.keys()) if (!want.has(key)) remove.push(key);
  return { upsert, remove };
}
