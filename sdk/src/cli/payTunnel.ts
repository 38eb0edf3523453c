/**
 * What `dvpn connect --up` says while the SDK's connection pays for the tunnel and fails over:
 * progress lines from its events, and one line per session on what happened to the money.
 */
import type { SessionRecord } from "../actions/read/getSession.ts";
import type { DvpnError } from "../errors/base.ts";
import type { LegResult, VpnConnectionEvent } from "../tunnel/createVpnConnection.ts";
import type { ConnectOptions } from "./connectOptions.ts";
import type { CliContext } from "./context.ts";
import { formatAmount, formatBytes, formatDuration, formatTime, printable, type TokenInfo } from "./format.ts";

/**
 * One line on a session's money from its on-chain record.
 * @param s the record.
 * @param token the payment token.
 * @returns e.g. "paid 0.000011 mUSD, refund 4.999989 mUSD".
 */
export function moneyLine(s: SessionRecord, token: TokenInfo): string {
  if (s.status === "Closed") {
    return `paid ${formatAmount(s.paid, token)}, refund ${formatAmount(s.deposit - s.paid, token)} of the ${formatAmount(s.deposit, token)} deposit`;
  }
  const claimed = `paid ${formatAmount(s.paid, token)} so far (${formatBytes(s.claimedBytes)}, ${formatDuration(Number(s.claimedSeconds))} claimed)`;
  if (s.status === "Closing") {
    return `${claimed}; the provider may claim its last voucher until ${formatTime(s.deadline)}, then \`dvpn session finalize ${s.sessionId}\` refunds the rest of the ${formatAmount(s.deposit, token)} deposit`;
  }
  return `${claimed} of the ${formatAmount(s.deposit, token)} deposit (session ${s.status})`;
}

/**
 * One line on what happened to a left session's money.
 * @param r the session as the connection left it.
 * @param token the payment token.
 * @returns e.g. "not accepted within the timeout: cancelled at once, refund 5 mUSD".
 */
export function legMoneyLine(r: LegResult, token: TokenInfo): string {
  const o = r.outcome;
  if (o.kind === "cancelled")
    return `session ${r.sessionId} withdrawn before acceptance: refund ${formatAmount(o.refund, token)}`;
  if (o.kind === "provider-closed")
    return `provider closed the session: ${moneyLine(o.record, token)} (session ${r.sessionId})`;
  if (o.refund !== undefined) {
    return `session ${r.sessionId} closed: paid ${formatAmount(o.paid ?? 0n, token)}, refund ${formatAmount(o.refund, token)}`;
  }
  return `session ${r.sessionId} closed (transaction ${o.hash}): the provider may claim up to ${formatAmount(o.owedAtMost, token)} (its best voucher) until ${formatTime(o.settlementDeadline)}, then \`dvpn session finalize ${r.sessionId}\` refunds the rest of the ${formatAmount(r.deposit, token)} deposit`;
}

/**
 * A session of `connect --up`'s JSON result: why it was left, what was signed and counted, and its money.
 * @param l the session as the connection left it.
 * @param token the payment token.
 * @returns the row.
 */
export function sessionRow(l: LegResult, token: TokenInfo) {
  return {
    sessionId: l.sessionId,
    provider: l.provider,
    left: l.reason,
    usage: l.end?.delivered ?? null,
    counter: l.end?.counter ?? null,
    money: legMoneyLine(l, token),
    outcome: l.outcome,
  };
}

/** The run options `connect --up` gives the SDK's connection (one hop or two). */
export interface RunOptions {
  failover: boolean;
  voucherIntervalSeconds: number;
  closeAtPercent: number;
  acceptTimeoutMs: number;
  graceMs: number;
}

/**
 * The run options `connect --up` gives the SDK's connection, from its flags.
 * @param o the flags.
 * @returns failover, voucher, close, accept and grace settings.
 */
export function runOptions(
  o: Pick<ConnectOptions, "noFailover" | "voucherInterval" | "closeAt" | "acceptTimeout" | "grace">,
): RunOptions {
  return {
    failover: !o.noFailover,
    voucherIntervalSeconds: o.voucherInterval,
    closeAtPercent: o.closeAt,
    acceptTimeoutMs: o.acceptTimeout * 1000,
    graceMs: o.grace * 1000,
  };
}

const why: Record<LegResult["reason"], string> = {
  "not-accepted": "it did not accept in time",
  "bad-tunnel-address": "its tunnel address names no usable address or gateway",
  "tunnel-failed": "the tunnel could not be brought up",
  "tunnel-conflict": "its tunnel cannot be up beside the other hop's (session closed, nothing used)",
  stopped: "interrupted",
  deposit: "usage reached the close-at share of the deposit",
  "provider-closed": "the provider closed the session",
  unreachable: "the tunnel stayed unhealthy past the grace (no voucher taken, stale handshake)",
};

/**
 * Progress lines for a connection's events (at most one payment line every `DVPN_PROGRESS_MS`, default 5 s).
 * @param ctx the CLI context.
 * @param token the payment token.
 * @returns the event handler.
 */
export function connectionProgress(ctx: CliContext, token: TokenInfo): (e: VpnConnectionEvent) => void {
  let lastNote = 0;
  const every = ctx.env.DVPN_PROGRESS_MS ? Number(ctx.env.DVPN_PROGRESS_MS) : 5_000;
  return (e) => {
    const now = Date.now();
    if (e.type === "picked") {
      const score = e.picked.score !== undefined ? ` (score ${e.picked.score.toFixed(1)})` : "";
      ctx.out.progress(
        `picked ${e.picked.address}${score} from the ${e.picked.source === "named" ? "command line" : e.picked.source}`,
      );
    } else if (e.type === "opened") {
      ctx.out.progress(
        `session ${e.opened.sessionId} opened with ${e.provider.address} (${printable(e.provider.endpoint)}), deposit ${formatAmount(e.opened.deposit, token)} (transaction ${e.opened.hash})`,
      );
    } else if (e.type === "accepted") {
      ctx.out.progress(`session ${e.leg.sessionId} accepted: tunnel address ${printable(e.leg.tunnelAddress)}`);
    } else if (e.type === "up") {
      ctx.out.progress(`tunnel ${e.iface} up; paying by bytes and time to ${e.leg.tunnel.gateway}:51830`);
    } else if (e.type === "left") {
      const r = e.result;
      const used = r.end
        ? `; ${formatBytes(r.end.delivered.bytes)}, ${formatDuration(Number(r.end.delivered.seconds))} signed; own counter ${formatBytes(r.end.counter)}`
        : "";
      ctx.out.progress(
        r.reason === "stopped" || r.reason === "deposit"
          ? `closing: ${why[r.reason]}${used}`
          : `leaving ${r.provider}: ${why[r.reason]}${r.detail ? `: ${printable(r.detail)}` : ""}${used}`,
      );
      ctx.out.progress(legMoneyLine(r, token));
      if (e.failover)
        ctx.out.progress(`failing over: the next provider under the same price cap, excluding ${r.provider}`);
    } else if (e.type === "no-provider") {
      ctx.out.progress(`no other provider matches (excluded: ${e.excluded.join(", ") || "none"})`);
    } else if (e.type === "session") {
      const s = e.event;
      if (s.type === "voucher" && now - lastNote >= every) {
        lastNote = now;
        const meter =
          s.metered > 0n ? `, provider's meter ${formatBytes(s.metered)} (×${s.ratio.toFixed(3)} of yours)` : "";
        ctx.out.progress(
          `used ${formatBytes(s.counter)} (signed ${formatBytes(s.usage.bytes)}, ${formatDuration(Number(s.usage.seconds))}${meter}): ${formatAmount(s.cost, token)} of ${formatAmount(e.leg.opened.deposit, token)}`,
        );
      } else if (s.type === "delivery-failed" && now - lastNote >= 2_000) {
        lastNote = now;
        ctx.out.progress(
          `voucher not delivered for ${formatDuration(Math.round(s.failingForMs / 1000))}: ${(s.error as DvpnError).shortMessage ?? String(s.error)}`,
        );
      } else if (s.type === "health") {
        const hs = s.handshakeAgeSeconds !== undefined ? `, last handshake ${s.handshakeAgeSeconds} s ago` : "";
        ctx.out.progress(
          s.healthy ? `tunnel healthy again${hs}` : `tunnel unhealthy${hs}: waiting for it to come back`,
        );
      }
    }
  };
}
