/** SessionEscrow events: a session's life (open, accept, claims, close, settle) and parameters. */
import { checksum, nameOf } from "../decodeLogs.ts";
import { histogramIndex, MISSED_ACCEPT_AFTER_SECONDS } from "../reputation.ts";
import type { ContractHandlers } from "./context.ts";
import { addProviderHour, addRegionHour, setParam, touchProvider, touchSession, update } from "./rows.ts";

export const sessionEscrowHandlers: ContractHandlers<"escrow"> = {
  SessionOpened(ctx, e) {
    const a = e.args;
    const t = e.timestamp;
    const p = touchProvider(ctx, a.provider, e);
    p.sessionsOpened += 1;
    ctx.store.put("sessions", {
      id: a.sessionId,
      provider: p.id,
      client: checksum(a.client),
      signer: checksum(a.signer),
      wgPublicKey: a.wgPublicKey,
      status: "Pending",
      outcome: null,
      deposit: a.deposit,
      pricePerGiB: a.pricePerGiB,
      pricePerMinute: a.pricePerMinute,
      feeBps: a.feeBps,
      acceptDeadline: a.acceptDeadline,
      openedAt: t,
      openedBlock: e.blockNumber,
      acceptedAt: null,
      tunnelAddress: null,
      closedAt: null,
      closedBy: null,
      settlementDeadline: null,
      settledAt: null,
      claimedBytes: 0n,
      claimedSeconds: 0n,
      paid: 0n,
      fees: 0n,
      refund: null,
      claimCount: 0,
      updatedAt: t,
      updatedBlock: e.blockNumber,
    });
    addProviderHour(ctx, p, t, { sessionsOpened: 1 });
    addRegionHour(ctx, p, t, { sessionsOpened: 1 });
  },
  SessionAccepted(ctx, e) {
    const s = touchSession(ctx, e.args.sessionId, e);
    update(s, { status: "Active", acceptedAt: e.timestamp, tunnelAddress: e.args.tunnelAddress });
    touchProvider(ctx, e.args.provider, e).sessionsAccepted += 1;
  },
  SessionCancelled(ctx, e) {
    const t = e.timestamp;
    const s = touchSession(ctx, e.args.sessionId, e);
    update(s, { status: "Closed", outcome: "Cancelled", refund: e.args.refund, closedAt: t, settledAt: t });
    // A withdrawal within MISSED_ACCEPT_AFTER_SECONDS of the open is not the provider's miss.
    if (t - s.openedAt >= MISSED_ACCEPT_AFTER_SECONDS) touchProvider(ctx, e.args.provider, e).sessionsMissed += 1;
  },
  SessionRejected(ctx, e) {
    // The provider refused the session (its reason is on chain): the client got its deposit back
    // at once. Not a missed acceptance: the provider answered.
    const t = e.timestamp;
    const s = touchSession(ctx, e.args.sessionId, e);
    update(s, { status: "Closed", outcome: "Rejected", refund: e.args.refund, closedAt: t, settledAt: t });
    s.closedBy = checksum(e.args.provider);
  },
  UsageClaimed(ctx, e) {
    const a = e.args;
    const s = touchSession(ctx, a.sessionId, e);
    const p = touchProvider(ctx, a.provider, e);
    const { totalBytes, totalSeconds, totalPaid } = a;
    const deltaBytes = totalBytes - s.claimedBytes;
    const deltaSeconds = totalSeconds - s.claimedSeconds;
    const wasPaid = s.paid > 0n;
    update(s, {
      claimedBytes: totalBytes,
      claimedSeconds: totalSeconds,
      paid: totalPaid,
      fees: s.fees + a.fee,
      claimCount: s.claimCount + 1,
    });
    if (!wasPaid && totalPaid > 0n) {
      // The session now counts for reputation: all its usage so far.
      p.sessionsPaid += 1;
      p.bytesServed += totalBytes;
      p.secondsServed += totalSeconds;
      if (s.acceptedAt !== null) {
        p.sessionsAcceptedPaid += 1;
        const idx = String(histogramIndex(s.acceptedAt - s.openedAt));
        p.acceptHistogram = { ...p.acceptHistogram, [idx]: (p.acceptHistogram[idx] ?? 0) + 1 };
      }
    } else if (wasPaid) {
      p.bytesServed += deltaBytes;
      p.secondsServed += deltaSeconds;
    }
    p.paidVolume += a.amount;
    p.feesPaid += a.fee;
    addProviderHour(ctx, p, e.timestamp, { bytes: deltaBytes, volume: a.amount });
    addRegionHour(ctx, p, e.timestamp, { bytes: deltaBytes, volume: a.amount, claims: 1 });
    ctx.store.append("claims", {
      id: e.id,
      blockNumber: e.blockNumber,
      timestamp: e.timestamp,
      sessionId: a.sessionId,
      provider: p.id,
      totalBytes,
      totalSeconds,
      amount: a.amount,
      fee: a.fee,
      totalPaid,
    });
  },
  SessionClosed(ctx, e) {
    // The first close is the one recorded: when the provider settles a session the client
    // already closed (closeWithVoucher in the settlement window, the agent's usual answer),
    // the second SessionClosed keeps the client as the closer; settledAt tells when it ended.
    const s = touchSession(ctx, e.args.sessionId, e);
    if (s.closedAt === null) {
      s.closedAt = e.timestamp;
      s.closedBy = checksum(e.args.closedBy);
    }
    const deadline = e.args.settlementDeadline;
    if (deadline !== 0) update(s, { status: "Closing", settlementDeadline: deadline });
  },
  SessionSettled(ctx, e) {
    const s = touchSession(ctx, e.args.sessionId, e);
    update(s, { status: "Closed", outcome: "Settled", settledAt: e.timestamp, refund: e.args.refund });
    if (e.args.paid > 0n) {
      const p = touchProvider(ctx, e.args.provider, e);
      p.sessionsCompleted += 1;
      addRegionHour(ctx, p, e.timestamp, { sessionsSettled: 1 });
    }
  },
  ParameterUpdated(ctx, e) {
    setParam(ctx, e, nameOf(e.args.name), "SessionEscrow", e.args.newValue);
  },
  // Treasury and refund-credit movements: the feed reports sessions, not the escrow's balances.
  FeesSwept: null,
  RefundCredited: null,
  RefundWithdrawn: null,
  EIP712DomainChanged: null,
};
