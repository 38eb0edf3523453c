/**
 * Re-reads every open session from the contract: event subscriptions and log polling can miss
 * changes (dropped connections, a node that pruned logs), the contract's state cannot.
 */
import { getAddress } from "viem";
import { endService, type AgentContext } from "../context.ts";

/** Brings the store's open sessions in line with `getSession`. Returns how many changed. */
export async function resync(ctx: AgentContext): Promise<number> {
  let changed = 0;
  for (const s of ctx.store.list(["accepting", "active", "closing"])) {
    let cs;
    try {
      cs = await ctx.chain.getSession(s.id);
    } catch (err) {
      ctx.metrics.inc("dvpn_agent_chain_errors_total");
      ctx.log.warn({ sessionId: s.id.toString(), err: (err as Error).message }, "getSession failed");
      continue;
    }
    const id = s.id.toString();
    ctx.store.transaction(() => {
      const cur = ctx.store.get(s.id);
      if (!cur) return;
      let dirty = false;
      if (cs.claimedBytes > cur.claimedBytes || cs.claimedSeconds > cur.claimedSeconds) {
        cur.claimedBytes = cs.claimedBytes;
        cur.claimedSeconds = cs.claimedSeconds;
        dirty = true;
      }
      if (cs.status === "None" || getAddress(cs.provider) !== ctx.chain.provider) {
        endService(ctx, cur, { status: "refused", reason: "not-on-chain" });
        ctx.log.warn({ sessionId: id }, "session not found for this provider on chain; dropped");
        changed++;
        return;
      }
      if (cs.status === "Active" && cur.status === "accepting") {
        cur.status = "active";
        cur.acceptedAt ??= ctx.now();
        dirty = true;
      } else if (cs.status === "Closing" && cur.status !== "closing") {
        endService(ctx, cur, {
          status: "closing",
          reason: cur.reason ?? "closed-by-client",
          settleDeadline: cs.deadline,
        });
        changed++;
        return;
      } else if (cs.status === "Closed") {
        endService(ctx, cur, { status: "closed", reason: cur.reason ?? "settled" });
        changed++;
        return;
      }
      if (dirty) {
        ctx.store.put(cur);
        changed++;
      }
    });
  }
  return changed;
}
