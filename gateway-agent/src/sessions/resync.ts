/**
 * Re-reads sessions from the contract: event subscriptions and log polling can miss changes
 * (dropped connections, a node that pruned logs, a reorganisation), the contract's state
 * cannot. The periodic pass reads every open session (and those an earlier pass dropped, which
 * may exist again); after a reorganisation every session the store holds is read.
 */
import type { Hex } from "viem";
import type { ChainSession } from "../chain/types.ts";
import type { AgentContext } from "../context.ts";
import type { SessionRecord } from "../store/store.ts";
import { isWgKey, wgKeyToBytes32 } from "../wireguard/keys.ts";
import { onOpened } from "./applyEvents.ts";
import { applyChainRecord, isDropped } from "./verify.ts";

/** Parallel getSession reads of one pass. */
const PARALLEL = 8;

async function readAll(
  ctx: AgentContext,
  sessions: SessionRecord[],
  strict: boolean,
): Promise<Map<bigint, ChainSession>> {
  const out = new Map<bigint, ChainSession>();
  let next = 0;
  let failure: unknown;
  async function worker(): Promise<void> {
    while (next < sessions.length && failure === undefined) {
      const s = sessions[next++]!;
      try {
        out.set(s.id, await ctx.chain.getSession(s.id));
      } catch (err) {
        ctx.metrics.inc("dvpn_agent_chain_errors_total");
        ctx.log.warn({ sessionId: s.id.toString(), err: (err as Error).message }, "getSession failed");
        if (strict) failure = err;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, sessions.length) }, worker));
  if (failure !== undefined) throw failure;
  return out;
}

function apply(ctx: AgentContext, records: Map<bigint, ChainSession>, mode: "resync" | "reorg") {
  const counts = { changed: 0, dropped: 0, readmitted: 0 };
  for (const [id, cs] of records) {
    ctx.store.transaction(() => {
      const cur = ctx.store.get(id);
      if (!cur) return;
      const outcome = applyChainRecord(ctx, cur, cs, mode);
      if (outcome === "dropped") counts.dropped++;
      else if (outcome === "changed") counts.changed++;
      else if (outcome === "readmit") {
        // The session exists again with the same terms: admit it as if its SessionOpened came again.
        onOpened(ctx, {
          type: "SessionOpened",
          sessionId: cur.id,
          provider: ctx.chain.provider,
          client: cs.client,
          wgPublicKey: isWgKey(cur.wgKey) ? wgKeyToBytes32(cur.wgKey) : (cur.wgKey as Hex),
          signer: cs.signer,
          deposit: cs.deposit,
          pricePerGiB: cs.pricePerGiB,
          pricePerMinute: cs.pricePerMinute,
          feeBps: cs.feeBps,
          acceptDeadline: cur.acceptDeadline,
          blockNumber: 0n,
          logIndex: 0,
        });
        counts.readmitted++;
        ctx.log.warn({ sessionId: id.toString(), chainStatus: cs.status }, "dropped session exists again; re-admitted");
      }
    });
  }
  return counts;
}

/** Brings the store's open (and dropped) sessions in line with `getSession`. Returns how many changed. */
export async function resync(ctx: AgentContext): Promise<number> {
  const sessions = [
    ...ctx.store.list(["accepting", "active", "closing"]),
    ...ctx.store.list(["refused"]).filter((s) => isDropped(s) && s.reason === "not-on-chain"),
  ];
  const c = apply(ctx, await readAll(ctx, sessions, false), "resync");
  return c.changed + c.dropped + c.readmitted;
}

/**
 * After a reorganisation: reads every session the store holds and takes the chain's record
 * (drops what vanished or changed hands, re-sends reverted accepts, claims and closes).
 * Throws when a read fails (nothing half-applied: the caller retries the whole pass).
 */
export async function reverifyAll(ctx: AgentContext): Promise<{ checked: number; changed: number; dropped: number }> {
  const sessions = ctx.store.listAll();
  const c = apply(ctx, await readAll(ctx, sessions, true), "reorg");
  return { checked: sessions.length, changed: c.changed + c.readmitted, dropped: c.dropped };
}
