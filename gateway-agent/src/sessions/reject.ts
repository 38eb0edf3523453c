/**
 * Rejects on chain (`rejectSession`) the pending sessions this agent cannot serve: refused for
 * capacity, an exhausted address pool, a WireGuard key it cannot use or one a live session of
 * this provider already holds when their SessionOpened arrived, or whose accept
 * reverted with `RegistryAtCapacity`. The client's whole deposit returns at once instead of
 * staying locked until the accept deadline. A failed rejection is retried on the next pass
 * while the session is still pending on chain.
 */
import { endService, type AgentContext } from "../context.ts";
import type { SessionRecord } from "../store/store.ts";

/** Refusal reasons (set when the SessionOpened was applied) that are rejected on chain. */
export const REJECTED_REFUSALS: ReadonlySet<string> = new Set([
  "capacity",
  "pool-exhausted",
  "bad-key",
  "duplicate-key",
]);

/**
 * Rejects `s` on chain with `reason` (at most 32 bytes), then ends it in the store as `closed`
 * with reason `rejected:<reason>`: its address is released and the next reconcile removes its
 * peer. Returns whether the session is settled (rejected, or no longer pending on chain).
 */
export async function rejectOne(ctx: AgentContext, s: SessionRecord, reason: string): Promise<boolean> {
  const id = s.id.toString();
  try {
    await ctx.chain.rejectSession(s.id, reason);
  } catch (err) {
    let chainStatus: string | undefined;
    try {
      chainStatus = (await ctx.chain.getSession(s.id)).status;
    } catch {
      ctx.metrics.inc("dvpn_agent_chain_errors_total");
    }
    if (chainStatus === undefined || chainStatus === "Pending") {
      ctx.log.warn({ sessionId: id, reason, err: (err as Error).message }, "rejectSession failed; will retry");
      return false;
    }
    // Cancelled, closed or gone meanwhile: the chain's own events settle the record; a refusal
    // is marked so that it is not tried again every pass.
    const cur = ctx.store.get(s.id);
    if (cur?.status === "refused" && cur.reason === reason) {
      cur.reason = `${reason}:not-pending`;
      ctx.store.put(cur);
    }
    ctx.log.warn({ sessionId: id, reason, chainStatus }, "session no longer pending; not rejected");
    return true;
  }
  ctx.store.transaction(() => {
    const cur = ctx.store.get(s.id) ?? s;
    endService(ctx, cur, { status: "closed", reason: `rejected:${reason}` });
  });
  ctx.metrics.inc("dvpn_agent_sessions_rejected_total", { reason });
  ctx.log.warn({ sessionId: id, reason }, "session rejected; the whole deposit is refunded to the client");
  return true;
}

/** Rejects every stored refusal in {@link REJECTED_REFUSALS}; returns how many were settled. */
export async function rejectRefused(ctx: AgentContext): Promise<number> {
  let n = 0;
  for (const s of ctx.store.list(["refused"])) {
    if (s.reason !== null && REJECTED_REFUSALS.has(s.reason) && (await rejectOne(ctx, s, s.reason))) n++;
  }
  return n;
}
