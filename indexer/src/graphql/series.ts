/**
 * Time series for charts (`networkSeries`, `Provider.series`), read from the hourly buckets the
 * indexer keeps while indexing (`region_hours`, `provider_hours`) and, for acceptance latency,
 * from the sessions table. Nothing is stored for them: a day bucket sums 24 hour buckets.
 */
import { HOUR } from "../indexing/reputation.ts";
import type { FeedContext } from "./context.ts";
import { badInput } from "./errors.ts";

/** Bucket widths a series may ask for, in seconds (UTC hours and days). */
export const BUCKET_SECONDS = { hour: HOUR, day: 24 * HOUR } as const;
export type BucketName = keyof typeof BUCKET_SECONDS;
/** Largest value of a GraphQL Int: the end of the last bucket is kept below it. */
const INT_MAX = 2 ** 31 - 1;
/** Buckets in a series when `from` is not given. */
export const DEFAULT_BUCKETS = 24;
/** Most buckets one series may return (31 days of hours). */
export const MAX_BUCKETS = 744;
/** The registry's upper bound of `heartbeatTimeout`: no heartbeat covers more than this ahead. */
const MAX_HEARTBEAT_TIMEOUT = 24 * HOUR;

export interface SeriesArgs {
  bucket?: string | null;
  from?: number | null;
  to?: number | null;
}

/** The buckets a series covers: starts `first`, `first + size`, … up to `last`. */
export interface Range {
  size: number;
  first: number;
  last: number;
  /** The chain head's timestamp the figures are computed at. */
  now: number;
}

/**
 * Checks a series' arguments: `bucket` one of {@link BUCKET_SECONDS}, `to` (default: the chain
 * head's time) and `from` (default: {@link DEFAULT_BUCKETS} buckets before `to`) non-negative,
 * `from` ≤ `to`, at most {@link MAX_BUCKETS} buckets. Both ends are rounded down to their bucket.
 */
export function seriesRange(args: SeriesArgs, now: number): Range {
  const name = args.bucket ?? "hour";
  if (!Object.hasOwn(BUCKET_SECONDS, name))
    throw badInput(`bucket must be one of ${Object.keys(BUCKET_SECONDS).join(", ")} (got ${JSON.stringify(name)})`);
  const size = BUCKET_SECONDS[name as BucketName];
  for (const k of ["from", "to"] as const) {
    const v = args[k];
    if (v != null && v < 0) throw badInput(`${k} must be a unix time in seconds, not negative (got ${v})`);
  }
  const last = Math.floor((args.to ?? now) / size) * size;
  const first = args.from == null ? last - (DEFAULT_BUCKETS - 1) * size : Math.floor(args.from / size) * size;
  if (first > last) throw badInput(`from (${args.from}) must not be after to (${args.to ?? now})`);
  const count = (last - first) / size + 1;
  if (count > MAX_BUCKETS)
    throw badInput(
      `a series has at most ${MAX_BUCKETS} buckets; from ${args.from} to ${args.to ?? now} by ${name} is ${count} (narrow the range or use a wider bucket)`,
    );
  return { size, first: Math.max(0, first), last, now };
}

/** Bucket starts of a range, oldest first. */
function starts(r: Range): number[] {
  const out: number[] = [];
  for (let s = r.first; s <= r.last; s += r.size) out.push(s);
  return out;
}

/** Seconds of bucket `start` that have passed at `r.now` (0 for a bucket in the future). */
const elapsed = (r: Range, start: number, from = start) => Math.max(0, Math.min(start + r.size, r.now) - from);

/**
 * Heartbeat coverage recorded for a bucket that lies after `now`: each provider whose coverage
 * runs past now (`coveredUntil` > now) has [now, coveredUntil] covered without a gap.
 */
const future = (r: Range, start: number, coveredUntil: number) =>
  Math.max(0, Math.min(coveredUntil, start + r.size) - Math.max(r.now, start));

/** A region argument: ISO 3166-1 alpha-2, upper-cased. */
function region(value: string | null | undefined): string | null {
  if (value == null) return null;
  if (!/^[A-Za-z]{2}$/.test(value))
    throw badInput(`region must be an ISO 3166-1 alpha-2 code such as "DE" (got ${JSON.stringify(value)})`);
  return value.toUpperCase();
}

/**
 * The network's activity per bucket: sessions opened, paid sessions settled, claims, bytes and
 * gross volume claimed (from `region_hours`, by the provider's region at the time of the event),
 * and the average number of providers with a fresh heartbeat over the part of the bucket that
 * has passed (covered provider-seconds / elapsed seconds; null for a bucket not yet begun).
 */
export async function networkSeries(ctx: FeedContext, args: SeriesArgs & { region?: string | null }) {
  const r = seriesRange(args, await ctx.now());
  const where = region(args.region);
  const end = Math.min(r.last + r.size, INT_MAX);
  const [activity, covered, ahead] = await Promise.all([
    ctx.read.query<{ b: number; opened: number; settled: number; claims: number; bytes: string; volume: string }>(
      `SELECT (hour / $3::int4) * $3::int4 AS b, SUM("sessionsOpened")::int4 AS opened,
         SUM("sessionsSettled")::int4 AS settled, SUM(claims)::int4 AS claims,
         SUM(bytes)::text AS bytes, SUM(volume)::text AS volume
       FROM region_hours WHERE hour >= $1::int4 AND hour < $2::int4 AND ($4::text IS NULL OR region = $4::text)
       GROUP BY b`,
      [r.first, end, r.size, where],
      "dvpn_series_network_activity",
    ),
    ctx.read.query<{ b: number; s: string }>(
      `SELECT (h.hour / $3::int4) * $3::int4 AS b, SUM(h."coveredSeconds")::text AS s
       FROM provider_hours h
       WHERE h.hour >= $1::int4 AND h.hour < $2::int4
         AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM providers p WHERE p.id = h.provider AND p.region = $4::text))
       GROUP BY b`,
      [r.first, end, r.size, where],
      "dvpn_series_network_covered",
    ),
    // Coverage recorded past now, to be taken off the buckets it falls in.
    end > r.now
      ? ctx.read.query<{ until: number }>(
          `SELECT "coveredUntil" AS until FROM providers
           WHERE "lastHeartbeat" >= $1::int4 AND "coveredUntil" > $2::int4 AND ($3::text IS NULL OR region = $3::text)`,
          [r.now - MAX_HEARTBEAT_TIMEOUT, r.now, where],
          "dvpn_series_network_ahead",
        )
      : Promise.resolve([]),
  ]);
  const byStart = new Map(activity.map((a) => [Number(a.b), a]));
  const coveredBy = new Map(covered.map((c) => [Number(c.b), Number(c.s)]));
  return starts(r).map((start) => {
    const a = byStart.get(start);
    const span = elapsed(r, start);
    const seconds = (coveredBy.get(start) ?? 0) - ahead.reduce((sum, p) => sum + future(r, start, Number(p.until)), 0);
    return {
      start,
      sessionsOpened: a ? Number(a.opened) : 0,
      sessionsSettled: a ? Number(a.settled) : 0,
      claims: a ? Number(a.claims) : 0,
      bytes: BigInt(a?.bytes ?? 0),
      volume: BigInt(a?.volume ?? 0),
      providersOnline: span > 0 ? Math.max(0, seconds) / span : null,
    };
  });
}

/**
 * One provider's history per bucket: uptime (covered seconds / seconds since registration that
 * have passed, as `uptime24h` counts them), heartbeats, sessions opened, bytes and volume
 * claimed (`provider_hours`), and the sessions accepted in the bucket with the median and
 * largest seconds from open to accept (every accepted session, paid or not).
 */
export async function providerSeries(ctx: FeedContext, p: Record<string, unknown>, args: SeriesArgs) {
  const r = seriesRange(args, await ctx.now());
  const id = String(p.id);
  const end = Math.min(r.last + r.size, INT_MAX);
  const [hours, accepts] = await Promise.all([
    ctx.read.query<{ b: number; covered: number; beats: number; opened: number; bytes: string; volume: string }>(
      `SELECT (hour / $4::int4) * $4::int4 AS b, SUM("coveredSeconds")::int4 AS covered, SUM(heartbeats)::int4 AS beats,
         SUM("sessionsOpened")::int4 AS opened, SUM(bytes)::text AS bytes, SUM(volume)::text AS volume
       FROM provider_hours WHERE provider = $1::text AND hour >= $2::int4 AND hour < $3::int4 GROUP BY b`,
      [id, r.first, end, r.size],
      "dvpn_series_provider_hours",
    ),
    ctx.read.query<{ b: number; n: number; median: number; max: number }>(
      `SELECT ("acceptedAt" / $4::int4) * $4::int4 AS b, COUNT(*)::int4 AS n,
         (percentile_cont(0.5) WITHIN GROUP (ORDER BY "acceptedAt" - "openedAt"))::float8 AS median,
         MAX("acceptedAt" - "openedAt")::int4 AS max
       FROM sessions WHERE provider = $1::text AND "acceptedAt" >= $2::int4 AND "acceptedAt" < $3::int4 GROUP BY b`,
      [id, r.first, end, r.size],
      "dvpn_series_provider_accepts",
    ),
  ]);
  const byStart = new Map(hours.map((h) => [Number(h.b), h]));
  const acceptsBy = new Map(accepts.map((a) => [Number(a.b), a]));
  const registeredAt = Number(p.registeredAt);
  const coveredUntil = Number(p.coveredUntil);
  return starts(r).map((start) => {
    const h = byStart.get(start);
    const a = acceptsBy.get(start);
    const span = elapsed(r, start, Math.max(start, registeredAt));
    const covered = (h ? Number(h.covered) : 0) - future(r, start, coveredUntil);
    return {
      start,
      uptime: span > 0 ? Math.min(1, Math.max(0, covered / span)) : null,
      heartbeats: h ? Number(h.beats) : 0,
      sessionsOpened: h ? Number(h.opened) : 0,
      sessionsAccepted: a ? Number(a.n) : 0,
      medianAcceptSeconds: a ? Number(a.median) : null,
      maxAcceptSeconds: a ? Number(a.max) : null,
      bytes: BigInt(h?.bytes ?? 0),
      volume: BigInt(h?.volume ?? 0),
    };
  });
}
