/**
 * Counting, not assuming: the figures a contract chaos test reports are reconciled from the
 * escrow's own events against the vouchers the test signed, and the reverts it expected are
 * tallied, so a test records what happened before it asserts that nothing went wrong.
 */
import type { Address, PublicClient } from "viem";
import { sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { priceUsage } from "../../sdk/src/vouchers/usage.ts";
import { revertOf } from "../contracts/helpers.ts";

/** What reconciling an escrow's events against the signed vouchers found. */
export interface Reconciled {
  /** Claims that took a session's payments above the highest voucher its signer signed. */
  doublePayments: number;
  /** Settled sessions whose deposit is not fully covered by what was paid plus what was refunded. */
  sessionsLosingMoney: number;
  /** The sum of deposit - (claimed + refund) over settled sessions (payment-token base units). */
  unaccounted: bigint;
  /** UsageClaimed events read. */
  claims: number;
}

/**
 * Reconciles every UsageClaimed, SessionSettled, SessionCancelled and SessionRejected event of
 * `escrow` for the sessions in `signed` (session id → the largest voucher its signer signed; no
 * entry or undefined when none was signed, so any claim is above the voucher).
 */
export async function reconcile(
  publicClient: PublicClient,
  escrow: Address,
  sessions: readonly bigint[],
  signed: ReadonlyMap<bigint, { bytes: bigint; seconds: bigint }>,
): Promise<Reconciled> {
  const events = await publicClient.getContractEvents({ address: escrow, abi: sessionEscrowAbi, fromBlock: 0n });
  const out: Reconciled = { doublePayments: 0, sessionsLosingMoney: 0, unaccounted: 0n, claims: 0 };
  for (const id of sessions) {
    const info = await publicClient.readContract({
      address: escrow,
      abi: sessionEscrowAbi,
      functionName: "getSession",
      args: [id],
    });
    const terms = { pricePerGiB: info.pricePerGiB, pricePerMinute: info.pricePerMinute, deposit: info.deposit };
    const voucher = signed.get(id);
    const allowed = voucher ? priceUsage(terms, voucher) : 0n;
    let claimed = 0n;
    let refund: bigint | undefined;
    for (const e of events) {
      const args = e.args as { sessionId?: bigint; amount?: bigint; refund?: bigint };
      if (args.sessionId !== id) continue;
      if (e.eventName === "UsageClaimed") {
        out.claims++;
        claimed += args.amount!;
        if (claimed > allowed) out.doublePayments++;
      } else if (["SessionSettled", "SessionCancelled", "SessionRejected"].includes(e.eventName)) {
        refund = (refund ?? 0n) + args.refund!;
      }
    }
    if (refund === undefined) continue; // not settled yet: its deposit is still held
    const missing = info.deposit - (claimed + refund);
    if (missing !== 0n) out.sessionsLosingMoney++;
    out.unaccounted += missing;
  }
  return out;
}

/** Calls that should have reverted with a named error, tallied instead of thrown. */
export interface Refusals {
  /** Went through although the test expected a revert. */
  accepted: string[];
  /** Reverted with another error than the one named, or without a decodable one: unexpected. */
  unexpected: string[];
}

/** A new, empty tally. */
export const refusals = (): Refusals => ({ accepted: [], unexpected: [] });

/**
 * Awaits `call` expecting the custom error `errorName` (and `args`, when given); a call that goes
 * through or reverts otherwise is added to `tally`. Returns whether it was refused as expected.
 */
export async function refused(
  tally: Refusals,
  call: Promise<unknown>,
  errorName: string,
  args?: readonly unknown[],
): Promise<boolean> {
  let error: unknown;
  let through = false;
  try {
    await call;
    through = true;
  } catch (err) {
    error = err;
  }
  if (through) {
    tally.accepted.push(`${errorName} expected, the call went through`);
    return false;
  }
  try {
    const got = await revertOf(Promise.reject(error));
    const norm = (v: readonly unknown[]) =>
      JSON.stringify(v, (_k, x: unknown) =>
        typeof x === "bigint" ? x.toString() : typeof x === "string" ? x.toLowerCase() : x,
      );
    if (got.errorName !== errorName || (args !== undefined && norm(got.args) !== norm(args))) {
      tally.unexpected.push(`${errorName}(${norm(args ?? [])}) expected, got ${got.errorName}(${norm(got.args)})`);
      return false;
    }
    return true;
  } catch (err) {
    tally.unexpected.push(`${errorName} expected: ${(err as Error).message}`);
    return false;
  }
}
