/**
 * Re-reads sessions from the contract: event subscriptions and log polling can miss changes
 * (dropped connections, a node that pruned logs, a reorganisation), the contract's state
 * cannot. The periodic pass reads every open session (and those an earlier pass dropped, which
 * may exist again, until their retry window ends); after a reorganisation every session whose
 * state may have changed is read.
 */
import type { ChainSession } from "../chain/types.ts";
import type { AgentContext } from "../context.ts";
import type { SessionRecord } from "../store/store.ts";
import { applyChainRecord, isDropped, markReorged } from "./verify.ts";

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
      else if (outcome === "readmit") counts.readmitted++;
    });
  }
  return counts;
}

/**
 * How long after its accept deadline (or after it was dropped, if later) a session dropped as
 * `not-on-chain` is still read again: the longest settlement window the protocol allows. A node
 * that lost state has long recovered by then; the row becomes `reorged` and is not read again.
 */
export const NOT_ON_CHAIN_RETRY_SECONDS = 7 * 24 * 3600;

/**
 * After a reorganisation, terminal rows ended longer ago than this are not read again: a close or
 * settlement that old is far below any reorganisation this agent recovers from.
 */
export const REVERIFY_HISTORY_SECONDS = 24 * 3600;

/** Brings the store's open (and dropped) sessions in line with `getSession`. Returns how many changed. */
export async function resync(ctx: AgentContext): Promise<number> {
  const now = ctx.now();
  let givenUp = 0;
  const dropped = ctx.store.list(["refused"]).filter((s) => isDropped(s) && s.reason === "not-on-chain");
  const retry = dropped.filter((s) => {
    if (Math.max(s.acceptDeadline, s.endedAt ?? 0) + NOT_ON_CHAIN_RETRY_SECONDS >= now) return true;
    ctx.store.transaction(() => {
      const cur = ctx.store.get(s.id);
      if (cur && isDropped(cur) && cur.reason === "not-on-chain")
        markReorged(ctx, cur, { gaveUpAfter: "retry window" });
    });
    givenUp++;
    return false;
  });
  const sessions = [...ctx.store.list(["accepting", "active", "closing"]), ...retry];
  const c = apply(ctx, await readAll(ctx, sessions, false), "resync");
  return c.changed + c.dropped + c.readmitted + givenUp;
}

/**
 * Whether a row's state can still change after a reorganisation: open rows, `not-on-chain`
 * tombstones (they may exist again), and recently ended closed rows (a close or settlement may
 * have been reverted). Refusals, expiries and `reorged` tombstones stay as they are: a SessionOpened
 * read again from the ancestor replaces them if the id now holds another session.
 */
function mayChange(s: SessionRecord, now: number): boolean {
  if (s.status === "accepting" || s.status === "active" || s.status === "closing") return true;
  if (s.status === "refused") return s.reason === "not-on-chain";
  if (s.status === "closed") {
    const last = Math.max(s.endedAt ?? 0, s.lastClaimAt, s.settleDeadline ?? 0);
    return s.acceptedAt !== null && last + REVERIFY_HISTORY_SECONDS >= now;
  }
  return false;
}

/** Meta key of the ids already verified in the pending re-verification (JSON array). */
const DONE_KEY = "reverifyDone";

/** Forgets the progress of a re-verification (a new reorganisation starts a new pass). */
export function resetReverify(ctx: AgentContext): void {
  ctx.store.setMeta(DONE_KEY, "[]");
}

/**
 * After a reorganisation: reads every session whose state may have changed and takes the
 * chain's record (drops what vanished or changed hands, re-admits what exists again, re-sends
 * reverted accepts, claims and closes). Each session read is applied at once and remembered, so
 * a failed read retries only the sessions not yet verified; throws when some read failed.
 */
export async function reverifyAll(ctx: AgentContext): Promise<{ checked: number; changed: number; dropped: number }> {
  const now = ctx.now();
  let done: Set<string>;
  try {
    done = new Set(JSON.parse(ctx.store.getMeta(DONE_KEY) ?? "[]") as string[]);
  } catch {
    done = new Set();
  }
  const sessions = ctx.store.listAll().filter((s) => mayChange(s, now) && !done.has(s.id.toString()));
  const records = await readAll(ctx, sessions, false);
  let c = { changed: 0, dropped: 0, readmitted: 0 };
  ctx.store.transaction(() => {
    c = apply(ctx, records, "reorg");
    for (const id of records.keys()) done.add(id.toString());
    ctx.store.setMeta(DONE_KEY, JSON.stringify([...done]));
  });
  const failed = sessions.length - records.size;
  if (failed > 0)
    throw new Error(`getSession failed for ${failed} of ${sessions.length} sessions; re-verifying them later`);
  return { checked: sessions.length, changed: c.changed + c.readmitted, dropped: c.dropped };
}
