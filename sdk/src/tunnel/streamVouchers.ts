import type { Hex, LocalAccount } from "viem";
import type { DvpnContext } from "../client/types.ts";
import { signVoucher } from "../actions/session/signVoucher.ts";
import { priceUsage, type SessionTerms } from "../vouchers/usage.ts";

/** Cumulative usage of a session. */
export interface Usage {
  bytes: bigint;
  seconds: bigint;
}

/** Parameters of {@link streamVouchers}. */
export interface StreamVouchersParameters {
  sessionId: bigint;
  /** The session signer (the ephemeral key given to openSession). */
  signer: LocalAccount;
  /** The session's prices and deposit (from openSession's result or getSession). */
  terms: SessionTerms;
  /** Reads the tunnel's own counters, e.g. rx + tx of `wg show <if> dump` and seconds since acceptance. */
  readUsage: () => Promise<Usage>;
  /** Delivers a signed voucher (e.g. {@link postVoucher} to the gateway). A throw is reported and retried next tick. */
  send: (voucher: Usage & { sessionId: bigint; signature: Hex }) => Promise<void>;
  /** Milliseconds between vouchers. */
  intervalMs: number;
  /** Stop once the cost reaches this percentage of the deposit (default 90). */
  closeAtPercent?: number;
  /** Stops the stream (a last voucher is still sent). */
  signal?: AbortSignal;
  /** Called after each tick with the usage signed so far, its cost, and a delivery error if any. */
  onTick?: (tick: { usage: Usage; cost: bigint; error?: unknown }) => void;
}

/** What {@link streamVouchers} returns when it stops. */
export interface StreamVouchersReturnType {
  /** The last usage the agent accepted. */
  delivered: Usage;
  /** Why it stopped. */
  reason: "aborted" | "deposit";
}

/**
 * Signs and delivers cumulative usage vouchers on a timer until aborted or until the cost
 * nears the deposit, then sends a last one. Usage never goes backwards (a counter reset
 * keeps the last signed totals); nothing is signed when nothing changed.
 * @param client a DvpnClient (for the voucher's EIP-712 domain).
 * @param params session, signer, terms, usage source, transport and timing.
 * @returns the last delivered usage and why the stream stopped.
 * @example
 * const { delivered } = await streamVouchers(client, {
 *   sessionId, signer, terms, intervalMs: 30_000, signal,
 *   readUsage: async () => ({ bytes: await tunnelBytes(), seconds: elapsedSeconds() }),
 *   send: (v) => postVoucher({ gateway, ...v }).then(() => undefined),
 * })
 */
export async function streamVouchers(
  client: DvpnContext,
  params: StreamVouchersParameters,
): Promise<StreamVouchersReturnType> {
  const threshold = BigInt(Math.round((params.closeAtPercent ?? 90) * 100));
  let delivered: Usage = { bytes: 0n, seconds: 0n };
  const tick = async (): Promise<bigint> => {
    const read = await params.readUsage();
    const next = {
      bytes: read.bytes > delivered.bytes ? read.bytes : delivered.bytes,
      seconds: read.seconds > delivered.seconds ? read.seconds : delivered.seconds,
    };
    const cost = priceUsage(params.terms, next);
    if (next.bytes === delivered.bytes && next.seconds === delivered.seconds) return cost;
    const { signature } = await signVoucher(client, { sessionId: params.sessionId, ...next, signer: params.signer });
    try {
      await params.send({ sessionId: params.sessionId, ...next, signature });
      delivered = next;
      params.onTick?.({ usage: next, cost });
    } catch (error) {
      params.onTick?.({ usage: delivered, cost, error });
    }
    return cost;
  };
  let reason: StreamVouchersReturnType["reason"] = "aborted";
  while (!params.signal?.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, params.intervalMs);
      params.signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
    const cost = await tick();
    if (cost * 10_000n >= params.terms.deposit * threshold) {
      reason = "deposit";
      break;
    }
  }
  if (reason === "aborted") await tick().catch(() => undefined);
  return { delivered, reason };
}
