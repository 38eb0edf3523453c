import { uptime } from "../indexing/reputation.ts";
import type { FeedContext } from "./context.ts";

/** The provider columns availability and uptime read (numeric ones as Decimal or decimal text). */
interface ProviderFields {
  id: string;
  registered: boolean;
  paused: boolean;
  stake: { toFixed(): string } | string | bigint;
  lastHeartbeat: number;
  activeSessions: number;
  maxSessions: number;
  registeredAt: number;
  coveredUntil: number;
}

const big = (d: { toFixed(): string } | string | bigint) => (typeof d === "object" ? BigInt(d.toFixed()) : BigInt(d));

/** A provider's availability at chain time `now` with these parameters. */
export function availabilityAt(p: ProviderFields, now: number, params: Map<string, bigint>) {
  const timeout = Number(params.get("heartbeatTimeout") ?? 0n);
  const available =
    p.registered &&
    !p.paused &&
    big(p.stake) >= (params.get("minStake") ?? 0n) &&
    now <= p.lastHeartbeat + timeout &&
    p.activeSessions < p.maxSessions;
  return {
    available,
    activeSessions: p.activeSessions,
    capacity: p.maxSessions,
    lastHeartbeat: p.lastHeartbeat,
    heartbeatExpiresAt: p.lastHeartbeat + timeout,
  };
}

/** A provider's availability now (chain time and parameters from the request's caches). */
export async function availability(p: ProviderFields, ctx: FeedContext) {
  const [now, params] = await Promise.all([ctx.now(), ctx.params()]);
  return availabilityAt(p, now, params);
}

/** A provider's uptime over the `hours` ending at `now`, given its covered heartbeat seconds there. */
export function uptimeAt(p: ProviderFields, now: number, hours: number, covered: number) {
  return uptime({ now, hours, registeredAt: p.registeredAt, coveredUntil: p.coveredUntil, coveredInWindow: covered });
}

/**
 * Values a list resolver already computed for a row (the providers page knows chain time, the
 * parameters and the uptime windows of all its rows), so the row's field resolvers answer
 * synchronously instead of one promise per field and row.
 */
type Known = { availability?: unknown; uptime24h?: number; uptime7d?: number };
/** Kept on the row itself under a symbol (cheaper than a WeakMap entry per row; no field of the answer). */
const KNOWN: unique symbol = Symbol("known");

export function remember(row: object, values: Known) {
  (row as { [KNOWN]?: Known })[KNOWN] = values;
}

/** What {@link remember} kept for this row, if anything. */
export const remembered = (row: object) => (row as { [KNOWN]?: Known })[KNOWN];
