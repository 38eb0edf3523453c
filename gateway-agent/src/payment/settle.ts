/**
 * Claims and closes on-chain. Before every claim the session is re-read from the contract, so
 * a claim that was mined but not recorded (crash) is never sent again; claimed totals are
 * persisted right after each receipt.
 */
import type { Hex } from "viem";
import { ChainRevertError } from "../chain/types.ts";
import { endService, meteredUsage, type AgentContext } from "../context.ts";
import { dropSession } from "../sessions/verify.ts";
import type { SessionRecord } from "../store/store.ts";
import { claimFee, priceUsage } from "../../../sdk/src/vouchers/usage.ts";
import { isAbove, shouldClaim, type Usage } from "./policy.ts";

/** Reverts that no retry of the same voucher can fix. */
function refusedForGood(errorName: string | undefined): boolean {
  return errorName === "EscrowInvalidSignature" || errorName === "EscrowStaleVoucher";
}

function voucherOf(s: SessionRecord) {
  return { bytes: s.voucherBytes, seconds: s.voucherSeconds };
}

/**
 * Re-reads claimed totals (and status) from the contract into the store. A session the
 * contract does not know (status `None`) is dropped here.
 */
async function refreshClaimed(ctx: AgentContext, s: SessionRecord): Promise<string> {
  const cs = await ctx.chain.getSession(s.id);
  const cur = ctx.store.get(s.id) ?? s;
  if (cs.status === "None") {
    // Reorganised away: nothing to claim or close (every call would revert); a SessionOpened
    // for this id on the canonical chain brings it back.
    ctx.store.transaction(() => dropSession(ctx, cur, "not-on-chain", { during: "settle" }));
    Object.assign(s, cur);
    return cs.status;
  }
  if (cs.claimedBytes !== cur.claimedBytes || cs.claimedSeconds !== cur.claimedSeconds) {
    cur.claimedBytes = cs.claimedBytes;
    cur.claimedSeconds = cs.claimedSeconds;
    ctx.store.put(cur);
  }
  Object.assign(s, cur);
  return cs.status;
}

async function send(
  ctx: AgentContext,
  s: SessionRecord,
  kind: "claim" | "closeWithVoucher" | "closeSession",
): Promise<true | { errorName: string | undefined }> {
  const id = s.id.toString();
  const v = voucherOf(s);
  const before = { bytes: s.claimedBytes, seconds: s.claimedSeconds };
  const started = performance.now();
  try {
    if (kind === "closeSession") await ctx.chain.closeSession(s.id);
    else await ctx.chain[kind](s.id, v.bytes, v.seconds, s.voucherSig as Hex);
    ctx.metrics.observe("dvpn_agent_claim_duration_seconds", (performance.now() - started) / 1000, { kind });
  } catch (err) {
    ctx.metrics.inc("dvpn_agent_claim_failures_total");
    ctx.log.warn({ sessionId: id, kind, err: (err as Error).message }, "claim/close failed");
    return { errorName: err instanceof ChainRevertError ? err.errorName : undefined };
  }
  const cur = ctx.store.get(s.id) ?? s;
  if (kind !== "closeSession") {
    if (v.bytes > cur.claimedBytes) cur.claimedBytes = v.bytes;
    if (v.seconds > cur.claimedSeconds) cur.claimedSeconds = v.seconds;
    cur.lastClaimAt = ctx.now();
    ctx.metrics.inc("dvpn_agent_claims_total", { kind });
    countEarnings(ctx, s, before, v);
  }
  if (kind !== "claim") {
    cur.status = "closed";
    cur.reason ??= cur.cutReason ?? "closed-by-provider";
  }
  ctx.store.put(cur);
  Object.assign(s, cur);
  ctx.log.info({ sessionId: id, kind, bytes: v.bytes.toString(), seconds: v.seconds.toString() }, "settled on-chain");
  return true;
}

/** Adds what a mined claim of `v` over `before` is worth to the earnings counters. */
function countEarnings(ctx: AgentContext, s: SessionRecord, before: Usage, v: Usage): void {
  const terms = { deposit: s.deposit, pricePerGiB: s.pricePerGiB, pricePerMinute: s.pricePerMinute };
  const paidBefore = priceUsage(terms, before);
  const paid = priceUsage(terms, v);
  const gross = paid - paidBefore;
  if (gross <= 0n) return;
  const fee = claimFee(paidBefore, paid, s.feeBps);
  ctx.metrics.inc("dvpn_agent_earned_base_units_total", { kind: "gross" }, Number(gross));
  ctx.metrics.inc("dvpn_agent_earned_base_units_total", { kind: "net" }, Number(gross - fee));
  if (v.bytes > before.bytes)
    ctx.metrics.inc("dvpn_agent_claimed_bytes_total", undefined, Number(v.bytes - before.bytes));
}

/**
 * Runs the payment actions for every open session:
 * - active: claim when the voucher is worth `claimEveryAmount` or `claimIntervalSeconds` passed;
 * - cut (peer removed): closeWithVoucher with the best voucher, else closeSession;
 * - closing (client closed): before the settlement deadline, a provider close with the best
 *   voucher settles at once (claim + refund); after it, the session is left to `finalize`.
 */
export async function settle(ctx: AgentContext): Promise<void> {
  const now = ctx.now();
  for (const s of ctx.store.list(["active", "closing"])) {
    const id = s.id.toString();
    try {
      if (s.status === "active" && s.cutReason === null) {
        const terms = { deposit: s.deposit, pricePerGiB: s.pricePerGiB, pricePerMinute: s.pricePerMinute };
        const due = shouldClaim({
          voucher: voucherOf(s),
          claimed: { bytes: s.claimedBytes, seconds: s.claimedSeconds },
          terms,
          lastClaimAt: s.lastClaimAt || (s.acceptedAt ?? now),
          now,
          everyAmount: ctx.config.claimEveryAmount,
          intervalSeconds: ctx.config.claimIntervalSeconds,
        });
        if (!due) continue;
        const status = await refreshClaimed(ctx, s);
        if (status !== "Active" || !isAbove(voucherOf(s), { bytes: s.claimedBytes, seconds: s.claimedSeconds }))
          continue;
        const r = await send(ctx, s, "claim");
        if (r !== true && r.errorName === "EscrowInvalidSignature") {
          // The escrow refuses a voucher the agent accepted (a contract signer that revoked, a rule
          // the agent does not know): serve no more. The cut session is closed with what pays.
          const cur = ctx.store.get(s.id) ?? s;
          ctx.store.transaction(() => endService(ctx, cur, { cutReason: "voucher-refused-on-chain" }));
          ctx.log.warn({ sessionId: id }, "the escrow refused the session's voucher; peer cut");
        }
      } else if (s.status === "active" && s.cutReason !== null) {
        if (s.provisioned) continue; // the reconcile removes the peer (and reads its last counters) first
        const status = await refreshClaimed(ctx, s);
        if (status === "None") continue;
        if (status === "Closed") {
          ctx.store.put({ ...s, status: "closed" });
          continue;
        }
        const above =
          s.voucherSig !== null && isAbove(voucherOf(s), { bytes: s.claimedBytes, seconds: s.claimedSeconds });
        if (!above) {
          await send(ctx, s, "closeSession");
          continue;
        }
        const r = await send(ctx, s, "closeWithVoucher");
        // A voucher the escrow refuses for good must not keep the session (and the deposit) open.
        if (r !== true && refusedForGood(r.errorName)) await send(ctx, s, "closeSession");
      } else if (s.status === "closing") {
        if (s.provisioned) continue;
        const over = s.settleDeadline !== null && now > s.settleDeadline;
        const status = over ? "Closing" : await refreshClaimed(ctx, s);
        if (status === "None") continue;
        const above =
          s.voucherSig !== null && isAbove(voucherOf(s), { bytes: s.claimedBytes, seconds: s.claimedSeconds });
        // Settle at once (the client gets its refund now, not after the window): a provider's
        // close in the settlement window claims the last voucher and refunds the rest.
        if (!over && status === "Closing") {
          let r = await send(ctx, s, above ? "closeWithVoucher" : "closeSession");
          if (r !== true && above && refusedForGood(r.errorName)) r = await send(ctx, s, "closeSession");
          if (r !== true) continue;
        }
        const cur = ctx.store.get(s.id) ?? s;
        cur.status = "closed";
        ctx.store.put(cur);
        ctx.log.info(
          {
            sessionId: id,
            meteredBytes: meteredUsage(cur, now).bytes.toString(),
            claimedBytes: cur.claimedBytes.toString(),
          },
          "session done",
        );
      }
    } catch (err) {
      ctx.metrics.inc("dvpn_agent_chain_errors_total");
      ctx.log.warn({ sessionId: id, err: (err as Error).message }, "payment step failed; will retry");
    }
  }
}
