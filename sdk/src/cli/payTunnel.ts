/**
 * `dvpn connect --up` after the tunnel is up: pay for it with the SDK's tunnel session until
 * Ctrl-C, a nearly used deposit or a provider that is gone, then take the tunnel down and say
 * what happened to the money.
 */
import type { LocalAccount } from "viem";
import type { DvpnClient } from "../client/createDvpnClient.ts";
import type { SessionRecord } from "../actions/read/getSession.ts";
import type { DvpnError } from "../errors/base.ts";
import { createTunnelSession, type TunnelSessionEnd } from "../tunnel/createTunnelSession.ts";
import { peerBytesReader } from "../tunnel/peerBytes.ts";
import { postVoucher } from "../tunnel/voucherApi.ts";
import { priceUsage, type SessionTerms, type VoucherTerms } from "../vouchers/usage.ts";
import type { CliContext } from "./context.ts";
import { formatAmount, formatBytes, formatDuration, formatTime, type TokenInfo } from "./format.ts";

/** What the run ended with, for the command's result. */
export interface PaidTunnelResult {
  end: TunnelSessionEnd;
  /** The money, in one line. */
  money: string;
  /** The client's close transaction, when this run closed the session. */
  closeHash?: string;
  settlementDeadline?: number;
  paid?: bigint;
  refund?: bigint;
}

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
 * Pays for an up tunnel until it ends, takes it down with `down`, closes the session when the
 * provider has not, and describes the money.
 * @param ctx the CLI context (signal, output).
 * @param client the client.
 * @param p the session, its signer, terms, interface, provider key, gateway and options.
 * @returns how it ended and the money line.
 */
export async function payTunnel(
  ctx: CliContext,
  client: DvpnClient,
  p: {
    sessionId: bigint;
    signer: LocalAccount;
    terms: SessionTerms;
    /** The terms vouchers are bound to, as seen at the open. */
    voucherTerms: VoucherTerms;
    acceptedAt: number;
    iface: string;
    providerKey: string;
    gateway: string;
    voucherIntervalSeconds: number;
    closeAtPercent: number;
    token: TokenInfo;
    down: () => Promise<void>;
  },
): Promise<PaidTunnelResult> {
  const t = p.token;
  let lastNote = 0;
  const session = createTunnelSession(client, {
    sessionId: p.sessionId,
    signer: p.signer,
    terms: p.terms,
    voucherTerms: p.voucherTerms,
    acceptedAt: p.acceptedAt,
    readBytes: peerBytesReader(p.iface, p.providerKey),
    send: (v) => postVoucher({ gateway: p.gateway, ...v, timeoutMs: 5_000 }),
    voucherIntervalSeconds: p.voucherIntervalSeconds,
    closeAtPercent: p.closeAtPercent,
    onEvent: (e) => {
      const now = Date.now();
      if (
        e.type === "voucher" &&
        now - lastNote >= (ctx.env.DVPN_PROGRESS_MS ? Number(ctx.env.DVPN_PROGRESS_MS) : 5_000)
      ) {
        lastNote = now;
        const meter =
          e.metered > 0n ? `, provider's meter ${formatBytes(e.metered)} (×${e.ratio.toFixed(3)} of yours)` : "";
        ctx.out.progress(
          `used ${formatBytes(e.counter)} (signed ${formatBytes(e.usage.bytes)}, ${formatDuration(Number(e.usage.seconds))}${meter}): ${formatAmount(e.cost, t)} of ${formatAmount(p.terms.deposit, t)}`,
        );
      } else if (e.type === "delivery-failed" && now - lastNote >= 2_000) {
        lastNote = now;
        ctx.out.progress(
          `voucher not delivered for ${formatDuration(Math.round(e.failingForMs / 1000))}: ${(e.error as DvpnError).shortMessage ?? String(e.error)}`,
        );
      }
    },
  });
  const end = await session.run(ctx.signal);
  const signedCost = formatAmount(priceUsage(p.terms, end.delivered), t);
  const usedLine = `${formatBytes(end.delivered.bytes)}, ${formatDuration(Number(end.delivered.seconds))} signed (${signedCost}); own counter ${formatBytes(end.counter)}`;
  ctx.out.progress(
    end.reason === "stopped"
      ? `closing: interrupted; ${usedLine}`
      : end.reason === "deposit"
        ? `closing: usage reached ${p.closeAtPercent}% of the deposit; ${usedLine}`
        : end.reason === "provider-closed"
          ? `the provider closed session ${p.sessionId}; ${usedLine}`
          : `the provider's agent has not answered for 30 s while session ${p.sessionId} stayed open: leaving it; ${usedLine}`,
  );
  await p.down().catch((err: unknown) => ctx.out.progress(String((err as DvpnError).shortMessage ?? err)));
  if (end.reason === "provider-closed") {
    const s = end.onChain ?? (await client.getSession({ sessionId: p.sessionId }));
    const money = `provider closed the session: ${moneyLine(s, t)}`;
    ctx.out.progress(money);
    return { end, money };
  }
  // Closing is not interrupted by a second Ctrl-C: it returns the deposit.
  const closed = await client.closeSession({ sessionId: p.sessionId });
  const money =
    closed.refund !== undefined
      ? `closed: paid ${formatAmount(closed.paid ?? 0n, t)}, refund ${formatAmount(closed.refund, t)}`
      : `closed: the provider may claim up to ${signedCost} (the last voucher) until ${formatTime(closed.settlementDeadline)}, then \`dvpn session finalize ${p.sessionId}\` refunds the rest of the ${formatAmount(p.terms.deposit, t)} deposit`;
  ctx.out.progress(money);
  return {
    end,
    money,
    closeHash: closed.hash,
    settlementDeadline: closed.settlementDeadline,
    ...(closed.paid !== undefined ? { paid: closed.paid } : {}),
    ...(closed.refund !== undefined ? { refund: closed.refund } : {}),
  };
}
