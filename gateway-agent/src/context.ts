/** The one object every stage of the agent receives (config, store, data plane, chain, log, metrics). */
import type { Logger } from "pino";
import type { AddressPool } from "./addresses/pool.ts";
import type { AgentChain } from "./chain/types.ts";
import type { AgentConfig } from "./config/schema.ts";
import type { Metrics } from "./http/metrics.ts";
import type { MeterHistory } from "./payment/meterHistory.ts";
import type { Usage } from "./payment/policy.ts";
import type { SessionRecord, SessionStatus, Store } from "./store/store.ts";
import type { WgBackend } from "./wireguard/backend.ts";

/** Shared state of one agent. */
export interface AgentContext {
  config: AgentConfig;
  store: Store;
  pool: AddressPool;
  backend: WgBackend;
  chain: AgentChain;
  log: Logger;
  metrics: Metrics;
  /** Unix seconds. */
  now(): number;
  /** Most live sessions at once. */
  maxPeers: number;
  /** Recent meter readings per session (the payment policy's grace). */
  meterHistory: MeterHistory;
}

/** Metered usage of a session: counted bytes, and seconds from acceptance to the end (or now). */
export function meteredUsage(s: SessionRecord, now: number): Usage {
  const seconds = s.acceptedAt === null ? 0 : Math.max(0, (s.endedAt ?? now) - s.acceptedAt);
  return { bytes: s.meteredBytes, seconds: BigInt(seconds) };
}

/** Whether the session should have a peer. */
export function isLive(s: SessionRecord): boolean {
  return (s.status === "accepting" || s.status === "active") && s.cutReason === null;
}

/**
 * Ends a session's service in the store: sets `status` (or cuts it), stamps the end time and
 * releases its tunnel address into quarantine. The next reconcile removes the peer (after
 * reading its final counters). Call inside a store transaction.
 */
export function endService(
  ctx: AgentContext,
  s: SessionRecord,
  change: { status?: SessionStatus; cutReason?: string; reason?: string; settleDeadline?: number },
): void {
  const wasLive = isLive(s);
  if (change.status) s.status = change.status;
  if (change.cutReason) s.cutReason = change.cutReason;
  if (change.reason) s.reason = change.reason;
  if (change.settleDeadline !== undefined) s.settleDeadline = change.settleDeadline;
  if (wasLive && s.acceptedAt !== null) s.endedAt ??= ctx.now();
  if (s.addrIndex !== null && ctx.pool.entry(s.addrIndex)?.sessionId === s.id.toString()) {
    ctx.pool.release(s.addrIndex, ctx.now());
    const e = ctx.pool.entry(s.addrIndex);
    if (e) ctx.store.putAddress(e);
  }
  ctx.store.put(s);
}
