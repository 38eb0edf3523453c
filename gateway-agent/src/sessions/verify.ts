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
import { AddressPoolExhaustedError } from "../errors.ts";
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
 * The terms that make a session what it is. A SessionOpened carries all of them; the contract's
 * record (`getSession`) has no key and no accept deadline, so those are compared only when given.
 */
export interface SessionTerms {
  client: string;
  signer: string;
  deposit: bigint;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  feeBps: number;
  wgKey?: string;
  acceptDeadline?: number;
}

/**
 * Which terms differ between a stored session and `t` (empty: the same session). The one check
 * of "same session" used for replayed SessionOpened events, re-reads and reorganisations.
 */
export function termDifferences(s: SessionRecord, t: SessionTerms): string[] {
  const out: string[] = [];
  if (!sameAddress(t.client, s.client)) out.push("client");
  if (!sameAddress(t.signer, s.signer)) out.push("signer");
  if (t.deposit !== s.deposit) out.push("deposit");
  if (t.pricePerGiB !== s.pricePerGiB || t.pricePerMinute !== s.pricePerMinute) out.push("prices");
  if (t.feeBps !== s.feeBps) out.push("feeBps");
  if (t.wgKey !== undefined && t.wgKey !== s.wgKey) out.push("wgKey");
  if (t.acceptDeadline !== undefined && t.acceptDeadline !== s.acceptDeadline) out.push("acceptDeadline");
  return out;
}

/**
 * What differs between the stored session and the contract's record (empty: the same session).
 * `status: None` and another provider are differences too.
 */
export function differences(s: SessionRecord, cs: ChainSession, provider: Address): string[] {
  if (cs.status === "None") return ["status"];
  const out: string[] = [];
  if (getAddress(cs.provider) !== getAddress(provider)) out.push("provider");
  const { client, signer, deposit, pricePerGiB, pricePerMinute, feeBps } = cs;
  return [...out, ...termDifferences(s, { client, signer, deposit, pricePerGiB, pricePerMinute, feeBps })];
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

/**
 * Restores a session dropped as `not-on-chain` that the contract knows again with the same terms
 * (a node that briefly lost state, a flaky answer): the row takes the chain's record as it is —
 * status (a Pending session accepts again while its deadline allows, an Active one is served again
 * at once, a Closing one is settled, a Closed one is done), claimed totals — and keeps its
 * acceptedAt, counters and best voucher. It does not go through SessionOpened validation: an
 * Active session's accept deadline has long passed, and it must not lose its voucher. Its address
 * was released when it was dropped: it takes a fresh one (the old one is in quarantine). Call
 * inside a store transaction.
 */
export function readmitSession(ctx: AgentContext, cur: SessionRecord, cs: ChainSession): void {
  const id = cur.id.toString();
  const was = { reason: cur.reason, claimedBytes: cur.claimedBytes.toString() };
  cur.claimedBytes = cs.claimedBytes;
  cur.claimedSeconds = cs.claimedSeconds;
  cur.reason = null;
  const done = (status: SessionRecord["status"], reason: string | null, extra: object = {}) => {
    cur.status = status;
    if (reason !== null) cur.reason = reason;
    ctx.store.put(cur);
    ctx.log.warn(
      { sessionId: id, chainStatus: cs.status, status: cur.status, tunnelAddress: cur.tunnelAddress, was, ...extra },
      "dropped session exists again; re-admitted from the chain's record",
    );
  };
  if (cs.status === "Closed") return done("closed", "settled");
  if (cs.status === "Closing") {
    cur.settleDeadline = cs.deadline;
    cur.endedAt ??= ctx.now();
    return done("closing", "closed-by-client");
  }
  const active = cs.status === "Active";
  if (!active && cur.acceptDeadline < ctx.now()) return done("expired", "accept-deadline-passed");
  if (active) cur.acceptedAt ??= ctx.now();
  // A session the agent had cut stays cut: an Active one is closed with its best voucher, a
  // Pending one is never accepted.
  const status = active ? "active" : "accepting";
  if (cur.cutReason !== null) return done(status, null);
  // From here on it wants its peer back.
  const holder = ctx.store.liveByKey(cur.wgKey);
  const noPeer = (why: string) => {
    // Served no more: an Active session is closed with its best voucher, a Pending one is refused.
    if (active) {
      cur.cutReason = why;
      cur.endedAt ??= ctx.now();
      return done("active", null, { cut: why });
    }
    return done("refused", why);
  };
  if (holder && holder.id !== cur.id) return noPeer("duplicate-key");
  if (!active && ctx.store.countLive() >= ctx.maxPeers) return noPeer("capacity");
  if (cur.addrIndex === null || ctx.pool.entry(cur.addrIndex)?.sessionId !== id) {
    // The address its client was told, if nobody took it meanwhile; else a fresh one.
    let addr = cur.addrIndex === null ? undefined : ctx.pool.reclaim(cur.addrIndex, id);
    if (!addr) {
      try {
        addr = ctx.pool.allocate(id, ctx.now());
      } catch (err) {
        if (err instanceof AddressPoolExhaustedError) return noPeer("pool-exhausted");
        throw err;
      }
      ctx.store.setMeta("poolCursor", String(addr.index));
    }
    const entry = ctx.pool.entry(addr.index);
    if (entry) ctx.store.putAddress(entry);
    cur.addrIndex = addr.index;
    cur.tunnelAddress = addr.tunnelAddress;
    cur.allowedIps = addr.allowedIps;
  }
  cur.endedAt = null;
  // The reconcile adds the peer (or, if the old one is still on the interface, moves it to the new address).
  return done(status, null);
}

/** A `not-on-chain` tombstone becomes `reorged`: it is not read again and returns only through its SessionOpened. */
export function markReorged(ctx: AgentContext, cur: SessionRecord, detail: object = {}): void {
  cur.reason = "reorged";
  ctx.store.put(cur);
  ctx.log.warn({ sessionId: cur.id.toString(), ...detail }, "dropped session will not be re-read; reorged");
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
 * A session dropped as `not-on-chain` (by a resync, a settle or an accept that read `None`) that
 * the contract knows again with the same terms is re-admitted from the record
 * ({@link readmitSession}; returns `readmit`), in both modes; one the contract knows with other
 * terms (its id was reused), or — after a reorganisation — does not know, becomes `reorged`.
 * Sessions dropped as `reorged` come back only through their SessionOpened, once it is past the
 * confirmation depth on the canonical chain.
 */
export function applyChainRecord(
  ctx: AgentContext,
  cur: SessionRecord,
  cs: ChainSession,
  mode: "resync" | "reorg",
): VerifyOutcome {
  const diff = differences(cur, cs, ctx.chain.provider);
  if (isDropped(cur)) {
    if (cur.reason !== "not-on-chain") return "same";
    if (diff.length === 0) {
      readmitSession(ctx, cur, cs);
      return "readmit";
    }
    if (mode === "reorg" || cs.status !== "None") {
      // Gone after a reorganisation, or its id holds another session: from now on it comes back
      // only through its SessionOpened past the confirmation depth.
      markReorged(ctx, cur, { differs: diff, chainStatus: cs.status });
      return "changed";
    }
    return "same";
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
  } else if (cs.status === "Pending" && (cur.status === "active" || cur.status === "accepting") && cur.cutReason) {
    // A cut session whose accept was reverted: a Pending session cannot be closed or claimed, so
    // nothing is sent for it. It waits, without a peer and without being accepted again, for its
    // accept deadline (and expires) or for the accept to be mined again (then it is closed with
    // its best voucher).
    if (cur.acceptDeadline < ctx.now()) {
      endService(ctx, cur, { status: "expired", reason: "not-accepted" });
      ctx.log.warn({ sessionId: id, cutReason: cur.cutReason }, "cut session was never accepted on chain; expired");
      return "changed";
    }
    if (cur.status === "active") {
      cur.status = "accepting";
      ctx.log.warn(
        { sessionId: id, cutReason: cur.cutReason },
        "acceptSession of a cut session was reverted by a reorganisation; not closing it until it is accepted",
      );
      dirty = true;
    }
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
