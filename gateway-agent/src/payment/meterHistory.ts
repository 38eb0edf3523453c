/**
 * The meter's recent readings per session, in memory: what the payment policy's grace compares
 * signed bytes with ("the meter as it read N seconds ago"). After a restart the history starts
 * empty, so a session gets a full grace again; the tolerance's `maxBytes` still bounds it.
 */

/** Recent meter readings of live sessions. */
export interface MeterHistory {
  /** Records a reading (`at` in seconds); readings must come in time order per session. */
  record(sessionId: string, at: number, bytes: bigint): void;
  /** The latest reading taken at or before `at`, or undefined if none is that old. */
  readAt(sessionId: string, at: number): bigint | undefined;
  /** Drops every session not in `live`. */
  retain(live: ReadonlySet<string>): void;
  /** Sessions with readings (for tests and metrics). */
  size(): number;
}

/**
 * Creates a history that keeps, per session, the readings of the last `keepSeconds` plus the newest
 * one older than that (the one {@link MeterHistory.readAt} answers with at `now − keepSeconds`).
 * @param keepSeconds how far back reads go (the grace).
 * @returns the history.
 * @example const h = createMeterHistory(10); h.record("1", now, bytes); h.readAt("1", now - 10)
 */
export function createMeterHistory(keepSeconds: number): MeterHistory {
  const readings = new Map<string, { at: number; bytes: bigint }[]>();
  return {
    record(sessionId, at, bytes) {
      let list = readings.get(sessionId);
      if (!list) readings.set(sessionId, (list = []));
      const last = list.at(-1);
      if (last && last.at >= at) {
        // Same second (or a clock step back): the newer reading stands for it.
        last.bytes = bytes > last.bytes ? bytes : last.bytes;
      } else list.push({ at, bytes });
      // Keep the newest reading at or before the horizon, and everything after it.
      const horizon = at - keepSeconds;
      let drop = 0;
      while (drop + 1 < list.length && list[drop + 1]!.at <= horizon) drop++;
      if (drop > 0) list.splice(0, drop);
    },
    readAt(sessionId, at) {
      const list = readings.get(sessionId);
      if (!list) return undefined;
      for (let i = list.length - 1; i >= 0; i--) if (list[i]!.at <= at) return list[i]!.bytes;
      return undefined;
    },
    retain(live) {
      for (const id of readings.keys()) if (!live.has(id)) readings.delete(id);
    },
    size: () => readings.size,
  };
}
