/**
 * Row helpers the handlers share: the rows an event touches (marked as changed in its block),
 * a new provider's zero row, heartbeat coverage and parameter updates.
 */
import type { ParameterRow, ProposalRow, ProviderRow, SessionRow } from "../../database/tables.ts";
import { checksum, type EventPosition } from "../decodeLogs.ts";
import { HOUR, hourOf } from "../reputation.ts";
import type { BucketDeltas } from "../store.ts";
import type { HandlerContext, Params } from "./context.ts";

/** A provider row before its first event. */
export function newProvider(id: string, e: EventPosition): ProviderRow {
  return {
    id,
    endpoint: "",
    wgPublicKey: "0x",
    region: "",
    pricePerGiB: 0n,
    pricePerMinute: 0n,
    maxSessions: 0,
    activeSessions: 0,
    hasCapacity: false,
    stake: 0n,
    unbonding: 0n,
    unbondingEnd: 0,
    paused: false,
    registered: false,
    registeredAt: e.timestamp,
    registeredBlock: e.blockNumber,
    lastHeartbeat: 0,
    coveredUntil: 0,
    heartbeatCount: 0,
    sessionsOpened: 0,
    sessionsAccepted: 0,
    sessionsMissed: 0,
    sessionsPaid: 0,
    sessionsAcceptedPaid: 0,
    sessionsCompleted: 0,
    bytesServed: 0n,
    secondsServed: 0n,
    paidVolume: 0n,
    feesPaid: 0n,
    slashCount: 0,
    slashedAmount: 0n,
    acceptHistogram: {},
    score: 0,
    scoreAt: 0,
    updatedBlock: e.blockNumber,
    exitPolicy: "",
    exitDenyPorts: [],
    exitAllowPorts: [],
    transport: "none",
    transportPort: 0,
    transportCertSha256: "",
    transportClientId: "",
  };
}

/** The provider `address` (created on its first event), marked as changed in the event's block. */
export function touchProvider({ store }: HandlerContext, address: string, e: EventPosition): ProviderRow {
  const id = checksum(address);
  const p = store.get("providers", { id }) ?? newProvider(id, e);
  p.updatedBlock = e.blockNumber;
  store.put("providers", p);
  return p;
}

/** The session `id`, marked as changed at the event; an event of an unknown session is a bug. */
export function touchSession(
  { store }: HandlerContext,
  id: bigint,
  e: EventPosition & { eventName: string },
): SessionRow {
  const s = store.get("sessions", { id });
  if (!s) throw new Error(`event ${e.eventName} for unknown session ${id} (block ${e.blockNumber})`);
  s.updatedAt = e.timestamp;
  s.updatedBlock = e.blockNumber;
  store.put("sessions", s);
  return s;
}

/** The proposal `id` marked as changed, or undefined when it was created before the index began. */
export function touchProposal({ store }: HandlerContext, id: bigint, e: EventPosition): ProposalRow | undefined {
  const p = store.get("proposals", { id });
  if (p) {
    p.updatedBlock = e.blockNumber;
    store.put("proposals", p);
  }
  return p;
}

/** Whether the provider has room for another session. */
export function refreshCapacity(p: ProviderRow): void {
  p.hasCapacity = p.activeSessions < p.maxSessions;
}

/** Records heartbeat coverage [max(t, coveredUntil), t + timeout] in hourly buckets. */
function cover({ store }: HandlerContext, p: ProviderRow, t: number, timeout: number): void {
  const end = t + timeout;
  let start = Math.max(t, p.coveredUntil);
  while (start < end) {
    const hour = hourOf(start);
    const until = Math.min(end, hour + HOUR);
    store.add("provider_hours", { provider: p.id, hour }, { coveredSeconds: until - start });
    start = until;
  }
  if (end > p.coveredUntil) p.coveredUntil = end;
}

/** A heartbeat of provider `p` at chain time `t` (a registration counts as one). */
export function heartbeat(ctx: HandlerContext, p: ProviderRow, e: EventPosition, t: number): void {
  p.lastHeartbeat = t;
  p.heartbeatCount += 1;
  cover(ctx, p, t, Number(ctx.params.get("heartbeatTimeout") ?? 0n));
  ctx.store.add("provider_hours", { provider: p.id, hour: hourOf(t) }, { heartbeats: 1 });
  ctx.store.append("heartbeats", { blockNumber: e.blockNumber, logIndex: e.logIndex, timestamp: t, provider: p.id });
}

/** A parameter's new value, in the row the feed reads and in the range's parameters. */
export function setParam(ctx: HandlerContext, e: EventPosition, id: string, contract: string, value: bigint): void {
  ctx.params.set(id, value);
  const row: ParameterRow = { id, contract, value, updatedAt: e.timestamp, updatedBlock: e.blockNumber };
  ctx.store.put("parameters", row);
}

export type { Params };

/** Adds to provider `p`'s bucket of the hour holding `t`. */
export function addProviderHour(
  ctx: HandlerContext,
  p: ProviderRow,
  t: number,
  deltas: BucketDeltas<"provider_hours">,
): void {
  ctx.store.add("provider_hours", { provider: p.id, hour: hourOf(t) }, deltas);
}

/** Adds to the bucket of provider `p`'s region for the hour holding `t`. */
export function addRegionHour(
  ctx: HandlerContext,
  p: ProviderRow,
  t: number,
  deltas: BucketDeltas<"region_hours">,
): void {
  ctx.store.add("region_hours", { region: p.region, hour: hourOf(t) }, deltas);
}

/** Sets some columns of a row (a typed Object.assign: a column of another type is a compile error). */
export function update<R extends object>(row: R, changes: Partial<R>): void {
  Object.assign(row, changes);
}
