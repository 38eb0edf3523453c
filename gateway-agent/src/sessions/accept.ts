/**
 * Sends acceptSession for sessions whose peer is on the interface. Idempotent across crashes:
 * a revert is resolved by re-reading the session from the contract.
 */
import { endService, type AgentContext } from "../context.ts";
import { ChainRevertError } from "../chain/types.ts";
import type { SessionRecord } from "../store/store.ts";
import { rejectOne } from "./reject.ts";
import { dropSession } from "./verify.ts";

/** A session whose peer is on the interface with its tunnel address. */
type Provisioned = SessionRecord & { tunnelAddress: string };

/** acceptSession transactions in flight at once (broadcast in turn by the chain client, receipts awaited together). */
export const ACCEPT_CONCURRENCY = 8;

/**
 * Accepts every provisioned `accepting` session, up to {@link ACCEPT_CONCURRENCY} at once (a
 * burst of opens waits for a few receipts, not for one after another); returns how many became
 * active.
 */
export async function acceptPending(ctx: AgentContext, onAccepted?: (s: SessionRecord) => void): Promise<number> {
  const ready = ctx.store
    .list(["accepting"])
    .filter((s): s is Provisioned => s.provisioned && !s.cutReason && !!s.tunnelAddress);
  let n = 0;
  let next = 0;
  const worker = async () => {
    while (next < ready.length) {
      const s = ready[next++]!;
      if (await acceptOne(ctx, s, onAccepted)) n++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(ACCEPT_CONCURRENCY, ready.length) }, worker));
  return n;
}

/** Accepts one session; a failure is resolved by re-reading the session from the contract. */
async function acceptOne(ctx: AgentContext, s: Provisioned, onAccepted?: (s: SessionRecord) => void): Promise<boolean> {
  const id = s.id.toString();
  try {
    if (s.acceptDeadline < ctx.now())
      throw new ChainRevertError("accept deadline passed locally", "EscrowAcceptDeadlinePassed");
    await ctx.chain.acceptSession(s.id, s.tunnelAddress);
    const cur = ctx.store.get(s.id) ?? s;
    if (cur.status === "accepting") {
      cur.status = "active";
      cur.acceptedAt ??= ctx.now();
      ctx.store.put(cur);
    }
    ctx.metrics.inc("dvpn_agent_sessions_accepted_total");
    ctx.log.info({ sessionId: id, tunnelAddress: s.tunnelAddress }, "session accepted");
    onAccepted?.(cur);
    return true;
  } catch (err) {
    let chainStatus: string | undefined;
    try {
      chainStatus = (await ctx.chain.getSession(s.id)).status;
    } catch {
      ctx.metrics.inc("dvpn_agent_chain_errors_total");
    }
    const cur = ctx.store.get(s.id) ?? s;
    if (chainStatus === "Active") {
      if (cur.status === "accepting") {
        cur.status = "active";
        cur.acceptedAt ??= ctx.now();
        ctx.store.put(cur);
      }
    } else if (chainStatus === "Pending" && err instanceof ChainRevertError && err.errorName === "RegistryAtCapacity") {
      // The registry counts this provider full: retrying until the deadline would only lock the deposit.
      await rejectOne(ctx, cur, "provider-full");
    } else if (chainStatus === "Pending" && s.acceptDeadline >= ctx.now()) {
      ctx.log.warn({ sessionId: id, err: (err as Error).message }, "acceptSession failed; will retry");
    } else if (chainStatus === "Closed" && err instanceof ChainRevertError && err.errorName === "EscrowInvalidStatus") {
      // The client withdrew the pending session (cancelSession) before our accept was mined: a
      // normal outcome that cost only the accept's gas; the peer goes, nothing is owed.
      ctx.store.transaction(() => endService(ctx, cur, { status: "expired", reason: "cancelled" }));
      ctx.log.info({ sessionId: id }, "session withdrawn by its client before acceptance; peer removed");
    } else if (chainStatus === "None") {
      // Reorganised away: a SessionOpened for this id on the canonical chain replaces it.
      ctx.store.transaction(() => dropSession(ctx, cur, "not-on-chain", { during: "acceptSession" }));
    } else if (chainStatus !== undefined) {
      ctx.store.transaction(() => endService(ctx, cur, { status: "expired", reason: "not-accepted" }));
      ctx.log.warn(
        { sessionId: id, chainStatus, err: (err as Error).message },
        "session could not be accepted; peer dropped",
      );
    }
    return false;
  }
}
