/**
 * Counter arithmetic. WireGuard's per-peer counters start at zero when a peer is added and when
 * the interface (or wireguard-go) restarts; a counter that went down therefore means a reset,
 * and the new raw value is the whole delta since then.
 */

/** Raw counters of a peer as last seen. */
export interface RawCounters {
  rx: bigint;
  tx: bigint;
}

/** Bytes counted since `previous`: per direction `now − previous`, or `now` after a reset. */
export function counterDelta(previous: RawCounters, now: RawCounters): { bytes: bigint; reset: boolean } {
  const reset = now.rx < previous.rx || now.tx < previous.tx;
  const rx = now.rx >= previous.rx ? now.rx - previous.rx : now.rx;
  const tx = now.tx >= previous.tx ? now.tx - previous.tx : now.tx;
  return { bytes: rx + tx, reset };
}
