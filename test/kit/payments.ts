/**
 * The "each voucher paid once" check of the chaos tests: the escrow's UsageClaimed events of a
 * provider against the vouchers its agent accepted, counted (never asserted here), so a test
 * records the figures it counted and asserts afterwards.
 */
import { claimFee, priceUsage, protocolFee, type SessionTerms } from "../../sdk/src/vouchers/usage.ts";

/** One UsageClaimed event (its decoded arguments). */
export interface ClaimEvent {
  sessionId: bigint;
  totalBytes: bigint;
  totalSeconds: bigint;
  amount: bigint;
  fee: bigint;
  totalPaid: bigint;
}

/** A session as the test saw it. */
export interface PaidSession {
  id: bigint;
  /** Its prices and deposit. */
  terms: SessionTerms;
  /** The last voucher the agent accepted: what the session must be paid in all. */
  last: { bytes: bigint; seconds: bigint };
  /** Every voucher the agent accepted, when known: a claim of other totals is not a voucher. */
  accepted?: readonly { bytes: bigint; seconds: bigint }[];
  /** Shown in the messages, e.g. how the session ended. */
  label?: string;
}

/** What {@link countPayments} counted. */
export interface PaymentCount {
  /** Claims of the same (session, totals) more than once, plus sessions paid above their last voucher. */
  doublePayments: number;
  /** Claims whose totals are none of the session's accepted vouchers (sessions with `accepted` only). */
  notAVoucher: number;
  /** Sessions not paid exactly what their last voucher is worth. */
  wrongPaid: string[];
  /** Claims whose fee is not their share of the session's fee, rounded once on the total. */
  wrongFees: string[];
  /** The provider's due by the events: every claim's amount less its fee. */
  netOfClaims: bigint;
  /** The provider's due by the model: each session's payment less its fee rounded once. */
  netOfModel: bigint;
}

/**
 * Counts how the escrow paid `sessions` (claims of other sessions are ignored).
 * @example const count = countPayments(claims, sessions, 250); record({ doublePayments: count.doublePayments, … })
 */
export function countPayments(
  claims: readonly ClaimEvent[],
  sessions: readonly PaidSession[],
  feeBps: number,
): PaymentCount {
  const out: PaymentCount = {
    doublePayments: 0,
    notAVoucher: 0,
    wrongPaid: [],
    wrongFees: [],
    netOfClaims: 0n,
    netOfModel: 0n,
  };
  const seen = new Set<string>();
  for (const s of sessions) {
    const mine = claims.filter((c) => c.sessionId === s.id);
    for (const c of mine) {
      const k = `${s.id}:${c.totalBytes}:${c.totalSeconds}`;
      if (seen.has(k)) out.doublePayments++;
      seen.add(k);
      if (s.accepted && !s.accepted.some((v) => v.bytes === c.totalBytes && v.seconds === c.totalSeconds))
        out.notAVoucher++;
      if (c.fee !== claimFee(c.totalPaid - c.amount, c.totalPaid, feeBps))
        out.wrongFees.push(`session ${s.id}: fee ${c.fee} of ${c.amount}`);
      out.netOfClaims += c.amount - c.fee;
    }
    const paid = mine.reduce((sum, c) => sum + c.amount, 0n);
    const worth = priceUsage(s.terms, s.last);
    if (paid > worth) out.doublePayments++; // claims above the last voucher
    if (paid !== worth) {
      const what = s.label ? ` (${s.label})` : "";
      out.wrongPaid.push(
        `session ${s.id}${what} paid ${paid}, its last voucher (${s.last.bytes} B, ${s.last.seconds} s) is worth ${worth}`,
      );
    }
    out.netOfModel += paid - protocolFee(paid, feeBps);
  }
  return out;
}
