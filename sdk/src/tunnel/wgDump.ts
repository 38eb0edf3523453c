/** Parsing of `wg show <if> dump` (pure, runs anywhere). */

/** Transfer counters of one peer from `wg show <if> dump`. */
export interface PeerCounters {
  publicKey: string;
  latestHandshake: number;
  rxBytes: bigint;
  txBytes: bigint;
}

/**
 * Parses `wg show <if> dump`: the first line is the interface, each next line a peer
 * (public-key, preshared-key, endpoint, allowed-ips, latest-handshake, rx, tx, keepalive).
 * @param dump the command's output.
 * @returns the peers' counters.
 * @example parseWgDump(stdout).find((p) => p.publicKey === providerKey)?.rxBytes
 */
export function parseWgDump(dump: string): PeerCounters[] {
  const peers: PeerCounters[] = [];
  const lines = dump.split("\n").filter((l) => l.trim() !== "");
  for (const line of lines.slice(1)) {
    const f = line.split("\t");
    if (f.length < 8 || !/^\d+$/.test(f[5] ?? "") || !/^\d+$/.test(f[6] ?? "")) continue;
    peers.push({ publicKey: f[0]!, latestHandshake: Number(f[4]), rxBytes: BigInt(f[5]!), txBytes: BigInt(f[6]!) });
  }
  return peers;
}
