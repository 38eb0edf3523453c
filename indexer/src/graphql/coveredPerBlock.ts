import { indexedState } from "../database/checkpoint.ts";
import { hourOf, windowStart } from "../indexing/reputation.ts";
import type { FeedContext } from "./context.ts";

/** Providers' covered seconds kept per server and window, for one indexed state and chain time. */
interface Kept {
  key: string;
  /** A provider's seconds, or the read that brings them (replaced by them once it ends). */
  values: Map<string, number | Promise<number>>;
}

/** Providers kept per window before the window's values are dropped and read again. */
const MAX_KEPT = 50_000;
const cache = new WeakMap<object, Map<number, Kept>>();

/** The window's covered seconds of each provider in $1 (a comma-separated list), summed by PostgreSQL. */
const TEXT = `SELECT provider, SUM("coveredSeconds")::int8 AS s FROM provider_hours
  WHERE provider = ANY(string_to_array($1::text, ',')) AND hour >= $2::int4 AND hour <= $3::int4
  GROUP BY provider`;

/**
 * The covered heartbeat seconds of each provider in `ids` over the `hours` hourly buckets ending
 * with the hour of `now`. They change only with the indexed state (block, head, reorgs:
 * {@link indexedState}), so they are read once per state and chain time and shared by every
 * request (and page) of the server until the next block is indexed: a page of providers then
 * reads its rows alone, not two dozen buckets per row. The providers not known yet are read in
 * one statement. Without a checkpoint (chain time is the wall clock then) nothing is kept.
 */
export async function coveredPerBlock(
  ctx: FeedContext,
  ids: readonly string[],
  now: number,
  hours: number,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const cp = await ctx.checkpoint();
  let kept: Kept | undefined;
  if (cp) {
    const key = `${indexedState(cp)}:${now}`;
    let byWindow = cache.get(ctx.read);
    if (!byWindow) cache.set(ctx.read, (byWindow = new Map()));
    kept = byWindow.get(hours);
    if (!kept || kept.key !== key || kept.values.size + ids.length > MAX_KEPT) {
      kept = { key, values: new Map() };
      byWindow.set(hours, kept);
    }
  }
  const read = (list: readonly string[]) =>
    ctx.read
      .query<{ provider: string; s: string | number | bigint }>(
        TEXT,
        [list.join(","), windowStart(now, hours), hourOf(now)],
        "dvpn_covered_per_block",
      )
      .then((rows) => new Map(rows.map((r) => [r.provider, Number(r.s)])));
  if (!kept) {
    const found = await read(ids);
    return ids.map((id) => found.get(id) ?? 0);
  }
  const values = kept.values;
  const missing = ids.filter((id) => !values.has(id));
  if (missing.length > 0) {
    const reading = read(missing);
    for (const id of missing)
      values.set(
        id,
        reading.then((found) => found.get(id) ?? 0),
      );
    reading.then(
      (found) => {
        for (const id of missing) values.set(id, found.get(id) ?? 0);
      },
      // A failed read is not kept: the next request reads those providers again.
      () => {
        for (const id of missing) values.delete(id);
      },
    );
  }
  const out = ids.map((id) => values.get(id)!);
  return out.some((v) => typeof v !== "number") ? Promise.all(out) : (out as number[]);
}
