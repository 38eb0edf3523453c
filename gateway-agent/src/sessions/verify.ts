/**
 * Checks a stored session against the contract's record (`getSession`) and brings the store in
 * line with it: a session the contract does not know, or knows with other terms (another
 * client, signer, deposit, prices — the id was reused on another branch of the chain), is
 * dropped: no peer, no claims, its address released to quarantine. Its row stays as a
 * tombstone that a SessionOpened for the same id replaces. Used by the periodic resync and,
 * after a chain reorganisation, for every session the store holds.
 */
import { getAddress, type Address } from "viem";
import type { ChainSession } from "../chain/types.ts";
import { endService, type AgentContext } from "../context.ts";
import type { SessionRecord } from "../store/store.ts";

/**
 * Why a session was dropped: `reorged` after a detected reorganisation (vanished, or its id now
 * holds another session); `not-on-chain` when a periodic re-read found no such session for this
 * provider (whatever the cause: an undetected reorganisation, a node that lost state).
 */
export type DropReason = "not-on-chain" | "reorged";

/** Whether the row is a dropped session (a tombstone): no service, no claims, replaced by a new SessionOpened. */
export function isDropped(s: SessionRecord): boolean {
  return s.status === "refused" && (s.reason === "not-on-chain" || s.reason === "reorged");
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * What differs between the stored session and the contract's record (empty: the same session).
 * `status: None` and another provider are differences too.
 */
export function differences(s: SessionRecord, cs: ChainSession, provider: Address): string[] {
  if (cs.status === "None") return ["status"];
  const out: string[] = [];
  if (getAddress(cs.provider) !== getAddress(provider)) out.push("provider");
  if (!sameAddress(cs.client, s.client)) out.push("client");
  if (!sameAddress(cs.signer, s.signer)) out.push("signer");
  if (cs.deposit !== s.deposit) out.push("deposit");
  if (cs.pricePerGiB !== s.pricePerGiB || cs.pricePerMinute !== s.pricePerMinute) out.push("prices");
  if (cs.feeBps !== s.feeBps) out.push("feeBps");
  return out;
}

/**
 * Drops a session (inside a store transaction): status `refused` with `reason`, address
 * released to quarantine; the next reconcile removes its peer; settle never touches it again.
 */
export function dropSession(ctx: AgentContext, s: SessionRecord, reason: DropReason, detail: object = {}): void {
  const was = s.status;
  // Claims mined on the branch that lost were never paid on the canonical chain.
  const unpaid = { claimedBytes: s.claimedBytes.toString(), claimedSeconds: s.claimedSeconds.toString() };
  s.claimedBytes = 0n;
  s.claimedSeconds = 0n;
  endService(ctx, s, { status: "refused", reason });
  ctx.metrics.inc("dvpn_agent_sessions_dropped_total", { reason });
  ctx.log.warn(
    { sessionId: s.id.toString(), reason, was, wgKey: s.wgKey, revertedClaims: unpaid, ...detail },
    "session dropped: not on the canonical chain",
  );
}

/** What {@link applyChainRecord} did. */
export type VerifyOutcome = "same" | "changed" | "dropped" | "readmit";

/**
 * Applies the contract's record `cs` to the stored session `cur` (call inside a store
 * transaction, with a fresh `cur`).
 * - `resync`: claimed totals only go up; a session the contract no longer knows is dropped.
 * - `reorg`: the chain was reorganised; the record is taken as it is: claimed totals may go
 *   down (a claim was reverted: the voucher is claimed again), a reverted accept sends
 *   acceptSession again, a reverted close closes again.
 * Returns `readmit` (resync only) for a session dropped by an earlier resync (`not-on-chain`)
 * that exists again with the same terms: the caller admits it again as a new SessionOpened.
 * Sessions dropped after a reorganisation come back only through their SessionOpened, once it
 * is past the confirmation depth on the canonical chain.
 */
export function applyChainRecord(
  ctx: AgentContext,
  cur: SessionRecord,
  cs: ChainSession,
  mode: "resync" | "reorg",
): VerifyOutcome {
  const diff = differences(cur, cs, ctx.chain.provider);
  if (isDropped(cur)) {
    if (mode === "reorg" && cur.reason === "not-on-chain") {
      // Dropped by a resync before the reorganisation was detected: from now on it comes back only
      // through its SessionOpened past the confirmation depth, like every session the reorg dropped.
      cur.reason = "reorged";
      ctx.store.put(cur);
      return "changed";
    }
    const exists = cs.status === "Pending" || cs.status === "Active" || cs.status === "Closing";
    return mode === "resync" && cur.reason === "not-on-chain" && diff.length === 0 && exists ? "readmit" : "same";
  }
  if (diff.length > 0) {
    const gone = cs.status === "None" || diff.includes("provider");
    dropSession(ctx, cur, mode === "resync" && gone ? "not-on-chain" : "reorged", {
      differs: diff,
      chainStatus: cs.status,
    });
    return "dropped";
  }
  let dirty = false;
  if (mode === "reorg") {
    if (cs.claimedBytes !== cur.claimedBytes || cs.claimedSeconds !== cur.claimedSeconds) {
      ctx.log.warn(
        {
          sessionId: cur.id.toString(),
          claimedBytes: cur.claimedBytes.toString(),
          chainClaimedBytes: cs.claimedBytes.toString(),
        },
        "claimed totals differ after the reorganisation; taking the chain's",
      );
      cur.claimedBytes = cs.claimedBytes;
      cur.claimedSeconds = cs.claimedSeconds;
      dirty = true;
    }
  } else if (cs.claimedBytes > cur.claimedBytes || cs.claimedSeconds > cur.claimedSeconds) {
    cur.claimedBytes = cs.claimedBytes > cur.claimedBytes ? cs.claimedBytes : cur.claimedBytes;
    cur.claimedSeconds = cs.claimedSeconds > cur.claimedSeconds ? cs.claimedSeconds : cur.claimedSeconds;
    dirty = true;
  }
  const id = cur.id.toString();
  const live = cur.status === "accepting" || cur.status === "active";
  if (cs.status === "Pending" && cur.status === "active" && cur.cutReason === null) {
    // Our acceptSession was reverted: send it again (the peer stays while the deadline allows).
    cur.status = "accepting";
    ctx.log.warn({ sessionId: id }, "acceptSession was reverted by a reorganisation; accepting again");
    dirty = true;
  } else if (cs.status === "Active" && cur.status === "accepting") {
    cur.status = "active";
    cur.acceptedAt ??= ctx.now();
    dirty = true;
  } else if (cs.status === "Closing" && live) {
    endService(ctx, cur, { status: "closing", reason: cur.reason ?? "closed-by-client", settleDeadline: cs.deadline });
    return "changed";
  } else if (cs.status === "Closing" && cur.status === "closing" && cur.settleDeadline !== cs.deadline) {
    cur.settleDeadline = cs.deadline;
    dirty = true;
  } else if (cs.status === "Closed" && (live || cur.status === "closing")) {
    endService(ctx, cur, { status: "closed", reason: cur.reason ?? "settled" });
    return "changed";
  } else if (mode === "reorg" && cs.status === "Active" && (cur.status === "closed" || cur.status === "closing")) {
    // The close (ours or the client's) was reverted: close again with the best voucher.
    cur.status = "active";
    cur.cutReason ??= "close-reverted";
    ctx.log.warn({ sessionId: id }, "the session's close was reverted by a reorganisation; closing again");
    dirty = true;
  } else if (mode === "reorg" && cs.status === "Closing" && cur.status === "closed") {
    // Our settlement of a client close was reverted: settle again within the window.
    cur.status = "closing";
    cur.settleDeadline = cs.deadline;
    ctx.log.warn({ sessionId: id }, "the session's settlement was reverted by a reorganisation; settling again");
    dirty = true;
  }
  if (dirty) ctx.store.put(cur);
  return dirty ? "changed" : "same";
}
