/**
 * Applies confirmed escrow events to the store, with the checkpoint, in one transaction.
 * Idempotent: replaying a range changes nothing. SessionOpened is validated here (key,
 * duplicate key, capacity, deposit, deadline) and gets its tunnel address; the reconcile loop
 * then adds the peer and the actions stage sends acceptSession.
 */
import { getAddress } from "viem";
import { AddressPoolExhaustedError } from "../errors.ts";
import type { EscrowEvent } from "../chain/types.ts";
import { endService, isLive, type AgentContext } from "../context.ts";
import { newSessionRecord, type SessionRecord } from "../store/store.ts";
import { bytes32ToWgKey } from "../../../sdk/src/wireguard/keys.ts";
import { dropSession, isDropped, termDifferences } from "./verify.ts";

/** A SessionOpened event. */
export type Opened = Extract<EscrowEvent, { type: "SessionOpened" }>;

function refuse(ctx: AgentContext, s: SessionRecord, reason: string, extra: object = {}): void {
  s.status = reason === "accept-deadline-passed" ? "expired" : "refused";
  s.reason = reason;
  ctx.store.put(s);
  ctx.metrics.inc("dvpn_agent_sessions_refused_total", { reason });
  ctx.log.warn({ sessionId: s.id.toString(), reason, ...extra }, "session refused");
}

/** The key of a SessionOpened as stored (a bad key is stored as it came). */
function keyOf(e: Opened): string {
  try {
    return bytes32ToWgKey(e.wgPublicKey);
  } catch {
    return e.wgPublicKey;
  }
}

/**
 * Admits a session from its SessionOpened (or a dropped session that exists again): validates
 * it, gives it an address and stores it as `accepting`. A stored row for the same id that
 * describes another session (a reorganisation reused the id) is dropped and replaced.
 */
export function onOpened(ctx: AgentContext, e: Opened): void {
  const prior = ctx.store.get(e.sessionId);
  if (prior) {
    // The same openSession (the same client, signer, key, deposit, prices and fee): a replayed
    // event, or the same transaction mined again on another branch (then its accept deadline, which
    // the contract derives from the block time, may differ).
    const same = termDifferences(prior, { ...e, wgKey: keyOf(e), acceptDeadline: undefined }).length === 0;
    if (!isDropped(prior) && same) {
      if (prior.acceptDeadline !== e.acceptDeadline) {
        prior.acceptDeadline = e.acceptDeadline;
        ctx.store.put(prior);
      }
      return;
    }
    if (!isDropped(prior)) dropSession(ctx, prior, "reorged", { replacedBy: "SessionOpened" });
    // The stored voucher stays only with the same openSession mined again: it is that session's
    // usage, and the escrow pays it. Another session under the reused id (even of the same signer)
    // starts from nothing: the old row and its voucher go.
    if (!same) ctx.store.remove(prior.id);
    ctx.log.info({ sessionId: e.sessionId.toString(), keptVoucher: same }, "session taken from the canonical chain");
  }
  const s = newSessionRecord({
    id: e.sessionId,
    client: e.client,
    signer: e.signer,
    wgKey: e.wgPublicKey,
    deposit: e.deposit,
    pricePerGiB: e.pricePerGiB,
    pricePerMinute: e.pricePerMinute,
    feeBps: e.feeBps,
    acceptDeadline: e.acceptDeadline,
    openedAt: ctx.now(),
    status: "refused",
  });
  let key: string;
  try {
    key = bytes32ToWgKey(e.wgPublicKey);
  } catch (err) {
    return refuse(ctx, s, "bad-key", { detail: (err as { shortMessage?: string }).shortMessage ?? String(err) });
  }
  s.wgKey = key;
  // The dropped row's peer (if it is still on the interface) now belongs to nobody: the
  // reconcile removes it, unless this session has the same key, which keeps it and its counters.
  const carry = prior?.provisioned && prior.wgKey === key ? prior : undefined;
  if (e.deposit <= 0n) return refuse(ctx, s, "zero-deposit");
  if (e.acceptDeadline < ctx.now()) return refuse(ctx, s, "accept-deadline-passed");
  const holder = ctx.store.liveByKey(key);
  if (holder) return refuse(ctx, s, "duplicate-key", { liveSession: holder.id.toString(), wgKey: key });
  if (ctx.store.countLive() >= ctx.maxPeers) return refuse(ctx, s, "capacity", { maxPeers: ctx.maxPeers });
  let addr;
  try {
    addr = ctx.pool.allocate(s.id.toString(), ctx.now());
  } catch (err) {
    if (err instanceof AddressPoolExhaustedError) return refuse(ctx, s, "pool-exhausted", { detail: err.message });
    throw err;
  }
  const entry = ctx.pool.entry(addr.index);
  if (entry) ctx.store.putAddress(entry);
  ctx.store.setMeta("poolCursor", String(addr.index));
  s.status = "accepting";
  s.addrIndex = addr.index;
  s.tunnelAddress = addr.tunnelAddress;
  s.allowedIps = addr.allowedIps;
  if (carry) {
    s.provisioned = true;
    s.lastRx = carry.lastRx;
    s.lastTx = carry.lastTx;
  }
  ctx.store.put(s);
  ctx.log.info({ sessionId: s.id.toString(), wgKey: key, tunnelAddress: addr.tunnelAddress }, "session opened");
}

function applyOne(ctx: AgentContext, e: EscrowEvent): void {
  if (getAddress(e.provider) !== ctx.chain.provider) {
    ctx.metrics.inc("dvpn_agent_sessions_refused_total", { reason: "other-provider" });
    ctx.log.warn(
      { sessionId: e.sessionId.toString(), provider: e.provider, type: e.type },
      "event for another provider ignored",
    );
    return;
  }
  if (e.type === "SessionOpened") return onOpened(ctx, e);
  const s = ctx.store.get(e.sessionId);
  if (!s) {
    ctx.log.warn({ sessionId: e.sessionId.toString(), type: e.type }, "event for a session this agent does not know");
    return;
  }
  // A dropped session's events (from before it was dropped, or of a branch that lost) change nothing.
  if (isDropped(s)) return;
  const id = s.id.toString();
  switch (e.type) {
    case "SessionAccepted":
      if (s.status === "accepting") {
        s.status = "active";
        s.acceptedAt ??= ctx.now();
        ctx.store.put(s);
        ctx.log.info({ sessionId: id }, "session accepted (seen on chain)");
      }
      return;
    case "SessionCancelled":
      if (s.status === "accepting" || s.status === "refused")
        endService(ctx, s, { status: "expired", reason: "cancelled" });
      return;
    case "SessionClosed":
      if (e.settlementDeadline === 0) {
        if (s.status !== "closed") endService(ctx, s, { status: "closed", reason: s.reason ?? "closed-by-provider" });
      } else if (isLive(s) || s.status === "active") {
        endService(ctx, s, { status: "closing", reason: "closed-by-client", settleDeadline: e.settlementDeadline });
        ctx.log.info({ sessionId: id, settlementDeadline: e.settlementDeadline }, "client closed the session");
      }
      return;
    case "SessionSettled":
      if (s.status === "active" || s.status === "accepting" || s.status === "closing") {
        endService(ctx, s, { status: "closed", reason: s.reason ?? "settled" });
      }
      return;
    case "UsageClaimed":
      if (e.totalBytes > s.claimedBytes || e.totalSeconds > s.claimedSeconds) {
        s.claimedBytes = e.totalBytes > s.claimedBytes ? e.totalBytes : s.claimedBytes;
        s.claimedSeconds = e.totalSeconds > s.claimedSeconds ? e.totalSeconds : s.claimedSeconds;
        ctx.store.put(s);
      }
      return;
  }
}

/**
 * Applies `events` (in chain order) and moves the checkpoint to `toBlock`, atomically; with
 * `toBlockHash`, remembers that block's hash (the newest `keepBlocks`) for reorg detection.
 */
export function applyEvents(
  ctx: AgentContext,
  events: EscrowEvent[],
  toBlock: bigint,
  toBlockHash?: string,
  keepBlocks = 64,
): void {
  ctx.store.transaction(() => {
    for (const e of events) applyOne(ctx, e);
    ctx.store.setMeta("checkpoint", toBlock.toString());
    if (toBlockHash) ctx.store.putBlock(toBlock, toBlockHash, keepBlocks);
  });
}
