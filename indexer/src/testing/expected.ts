/** Test helper: the reputation figures a test expects, computed from the chain's facts. */
import { hourOf } from "../indexing/reputation.ts";

/** Seconds of [from, now] covered by [h, h + timeout] of any heartbeat h (timeout 900 s, the deployment default). */
export function coveredSeconds(beats: number[], from: number, now: number): number {
  let covered = 0;
  let cursor = from;
  for (const h of [...beats].sort((a, b) => a - b)) {
    const start = Math.max(h, cursor);
    const end = Math.min(h + 900, now);
    if (end > start) {
      covered += end - start;
      cursor = end;
    }
  }
  return covered;
}

/** Uptime over the window of `hours` hourly buckets ending at `now`, as the feed defines it. */
export function expectedUptime(beats: number[], now: number, hours: number): number {
  const from = Math.max(hourOf(now) - (hours - 1) * 3600, Math.min(...beats));
  if (now - from <= 0) return 1;
  return coveredSeconds(beats, from, now) / (now - from);
}

/** Median of the values (null for none). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : (s[Math.floor((s.length - 1) / 2)]! + s[Math.floor(s.length / 2)]!) / 2;
};
