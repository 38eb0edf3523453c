/** Per-peer samples for `/metrics`: the last dump's counters of every peer a live session holds. */
import type { Store } from "../store/store.ts";
import type { Dump } from "../../../sdk/src/wireguard/dump.ts";
import type { PeerSample } from "./metrics.ts";

/** The samples of the peers in `dump` that belong to a provisioned session (others are not ours). */
export function peerSamples(store: Store, dump: Dump | undefined): PeerSample[] {
  if (!dump) return [];
  const out: PeerSample[] = [];
  for (const s of store.listPeered()) {
    if (!s.provisioned) continue;
    const p = dump.peers.get(s.wgKey);
    if (!p) continue;
    out.push({
      publicKey: s.wgKey,
      sessionId: s.id.toString(),
      rx: p.rx,
      tx: p.tx,
      latestHandshake: p.latestHandshake,
    });
  }
  return out;
}
