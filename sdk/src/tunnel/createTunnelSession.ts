import type { Hex, LocalAccount } from "viem";
import type { DvpnContext } from "../client/types.ts";
import { signVoucher } from "../actions/session/signVoucher.ts";
import { getSession, type SessionRecord } from "../actions/read/getSession.ts";
import { priceUsage, type SessionTerms, type VoucherTerms } from "../vouchers/usage.ts";
import {
  creditCap,
  DEFAULT_CREDIT_POLICY,
  DEFAULT_VOUCHER_TOLERANCE,
  meterRatio,
  planVoucherBytes,
  type CreditPolicy,
  type VoucherTolerance,
} from "./paymentPlan.ts";
import { VoucherRejectedError, type VoucherReceipt } from "./voucherApi.ts";

/** Cumulative usage of a session. */
export interface SignedUsage {
  bytes: bigint;
  seconds: bigint;
}

/** A signed voucher on its way to the agent. */
export type OutgoingVoucher = SignedUsage & { sessionId: bigint; signature: Hex };

/** Parameters of {@link createTunnelSession}. */
export interface TunnelSessionParameters {
  sessionId: bigint;
  /** The session signer (the ephemeral key given to openSession). */
  signer: LocalAccount;
  /** The session's prices and deposit. */
  terms: SessionTerms;
  /**
   * The terms every voucher is bound to, as the client saw them at the open (or their hash);
   * default: read from the chain at the first voucher (see {@link signVoucher}).
   */
  voucherTerms?: VoucherTerms | Hex;
  /** When the provider accepted (ms since the epoch): signed seconds count from here. */
  acceptedAt: number;
  /** The client's own counter of the provider peer: rx + tx bytes (e.g. {@link peerBytesReader}). */
  readBytes: () => Promise<bigint>;
  /** Delivers a voucher to the agent (e.g. {@link postVoucher} to the gateway) and returns its receipt. */
  send: (voucher: OutgoingVoucher) => Promise<VoucherReceipt>;
  /** The agent's tolerance until it advertises its own (default 1 MiB + 5 %, 120 s). */
  tolerance?: VoucherTolerance;
  /** Limits on signing ahead (default 64 MiB + 25 % of the counter, 0.3 s ahead, 6 MiB lead). */
  credit?: Partial<CreditPolicy>;
  /** Counter reading period in ms (default 50). */
  tickMs?: number;
  /** A voucher at least this often in seconds, traffic or not (default 10). */
  voucherIntervalSeconds?: number;
  /** Stop once the signed usage costs this percent of the deposit (default 90). */
  closeAtPercent?: number;
  /** Read the session on chain this often in ms (default 5000; sooner while the agent is unreachable). */
  chainCheckMs?: number;
  /**
   * The grace of an outage in ms (default 30000): a tunnel that stays unhealthy (no voucher taken
   * by the agent, or a stale handshake) this long ends the run with `unreachable`; one that comes
   * back sooner (the agent answers again, WireGuard re-handshakes) keeps the session.
   */
  unreachableAfterMs?: number;
  /**
   * The latest handshake with the provider peer, in Unix seconds, 0 when none (e.g.
   * {@link peerHandshakeReader}); read once a second. Without it only the voucher API probes.
   */
  readHandshake?: () => Promise<number>;
  /** A handshake older than this many seconds counts as unhealthy (default 180, WireGuard's reject-after time). */
  staleHandshakeSeconds?: number;
  /**
   * Probe the agent at least this often in ms: a voucher (for the seconds since the last one) goes
   * when none went for this long, so a silent agent is noticed while no bytes flow (default: the
   * voucher interval).
   */
  probeIntervalMs?: number;
  /** Progress: each delivered voucher and each failed delivery. */
  onEvent?: (event: TunnelSessionEvent) => void;
}

/** What a session reports while it runs. */
export type TunnelSessionEvent =
  | { type: "voucher"; usage: SignedUsage; cost: bigint; counter: bigint; metered: bigint; ratio: number }
  | { type: "delivery-failed"; error: unknown; failingForMs: number }
  /** The tunnel turned unhealthy or healthy again (see {@link TunnelSessionSnapshot.healthy}). */
  | { type: "health"; healthy: boolean; handshakeAgeSeconds?: number; unhealthyForMs: number };

/** Why {@link TunnelSession.run} returned. */
export type TunnelSessionEndReason =
  /** The caller's signal: a last voucher was sent. */
  | "stopped"
  /** The signed usage reached `closeAtPercent` of the deposit. */
  | "deposit"
  /** The session is Closing or Closed on chain, and not by this client. */
  | "provider-closed"
  /** The tunnel stayed unhealthy (no voucher taken, stale handshake) for `unreachableAfterMs` while the session stayed open. */
  | "unreachable";

/** What {@link TunnelSession.run} returns. */
export interface TunnelSessionEnd {
  reason: TunnelSessionEndReason;
  /** The best voucher the agent accepted. */
  delivered: SignedUsage;
  /** The client's counter at the end. */
  counter: bigint;
  /** The session's on-chain record when the chain was read at the end ("provider-closed", "unreachable"). */
  onChain?: SessionRecord;
}

/** A live view of the session's payment. */
export interface TunnelSessionSnapshot {
  counter: bigint;
  delivered: SignedUsage;
  /** The agent's meter from its last receipt. */
  metered: bigint;
  ratio: number;
  /** Bytes per second of the counter, recently. */
  rate: number;
  tolerance: VoucherTolerance;
  /** Since when deliveries fail (ms since the epoch), or undefined. */
  failingSince?: number;
  /** Seconds since the last handshake with the provider peer (when `readHandshake` is given and one happened). */
  handshakeAgeSeconds?: number;
  /** The agent takes vouchers and the handshake is fresh. */
  healthy: boolean;
  /** Since when the tunnel is unhealthy (ms since the epoch), or undefined. */
  unhealthySince?: number;
}

/** A paid tunnel session: see {@link createTunnelSession}. */
export interface TunnelSession {
  /** Pays for the tunnel until the signal aborts, the deposit is nearly used, or the provider is gone. */
  run(signal?: AbortSignal): Promise<TunnelSessionEnd>;
  snapshot(): TunnelSessionSnapshot;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * The client's side of a paid tunnel: reads its own counter of the provider peer many times a
 * second and signs cumulative vouchers driven by bytes as well as time, ahead of the agent's
 * meter by what the measured rate carries in a horizon, plus the agent's fixed tolerance, so the
 * agent never sees signed usage trail its meter beyond its tolerance at full speed. It never signs
 * more than {@link creditCap} of its own counter (the client's worst case), learns the agent's
 * meter-to-counter ratio from each receipt, and watches the chain: a session the provider closed
 * (or an agent that stopped answering) ends the run with the on-chain record, so the caller can
 * say what happened to the money. Voucher signing goes through {@link signVoucher}.
 * @param client a DvpnClient (voucher domain, chain reads).
 * @param params the session, its signer and terms, the counter source and the voucher transport.
 * @returns the session; call `run(signal)`.
 * @example
 * const session = createTunnelSession(client, {
 *   sessionId, signer, terms, acceptedAt: Date.now(),
 *   readBytes: peerBytesReader("dvpn1", providerKey),
 *   send: (v) => postVoucher({ gateway: "10.77.0.1", ...v, timeoutMs: 5000 }),
 * })
 * const end = await session.run(abortSignal)
 */
export function createTunnelSession(client: DvpnContext, params: TunnelSessionParameters): TunnelSession {
  const policy: CreditPolicy = { ...DEFAULT_CREDIT_POLICY, ...params.credit };
  const tickMs = params.tickMs ?? 50;
  const intervalMs = (params.voucherIntervalSeconds ?? 10) * 1000;
  const closeAt = BigInt(Math.round((params.closeAtPercent ?? 90) * 100));
  const chainCheckMs = params.chainCheckMs ?? 5_000;
  const unreachableAfterMs = params.unreachableAfterMs ?? 30_000;
  const staleHandshakeSeconds = params.staleHandshakeSeconds ?? 180;
  let handshake = 0;
  let handshakeReadAt = 0;
  let unhealthySince: number | undefined;
  const handshakeAge = (now: number) => (handshake > 0 ? Math.max(0, Math.floor(now / 1000) - handshake) : undefined);
  const handshakeStale = (now: number) => {
    const age = handshakeAge(now);
    return age !== undefined && age > staleHandshakeSeconds;
  };
  let tolerance = params.tolerance ?? DEFAULT_VOUCHER_TOLERANCE;
  // Until the agent's meter is seen, assume it runs ahead by the most the client will pay.
  let ratio = 1 + policy.maxOverPercent / 100;
  let ratioLearned = false;
  let delivered: SignedUsage = { bytes: 0n, seconds: 0n };
  let counter = 0n;
  let rate = 0;
  let metered = -1n;
  let counterAtLastReceipt: bigint | undefined;
  let lastSentAt = 0;
  let failingSince: number | undefined;
  const samples: { t: number; c: bigint }[] = [];

  const rateOver = (ms: number, now: number): number => {
    const old = samples.find((s) => s.t >= now - ms);
    const last = samples.at(-1);
    if (!old || !last || last.t - old.t < ms / 4) return 0;
    return (Number(last.c - old.c) * 1000) / (last.t - old.t);
  };

  const deliver = async (next: SignedUsage): Promise<void> => {
    const { signature } = await signVoucher(client, {
      sessionId: params.sessionId,
      ...next,
      signer: params.signer,
      ...(params.voucherTerms ? { terms: params.voucherTerms } : {}),
    });
    const counterNow = counter;
    const receipt = await params.send({ sessionId: params.sessionId, ...next, signature });
    delivered = next;
    lastSentAt = Date.now();
    failingSince = undefined;
    if (receipt.tolerance) tolerance = receipt.tolerance;
    // The agent's meter changed since the last receipt: it read its counters in between.
    if (receipt.meteredBytes !== metered) {
      if (metered >= 0n && counterAtLastReceipt !== undefined && counterAtLastReceipt > 0n) {
        // One reading is noisy (packets in flight, when exactly the agent read its counters):
        // the first replaces the assumption, later ones move the ratio by a third of the way.
        const seen = meterRatio(receipt.meteredBytes, (counterAtLastReceipt + counterNow) / 2n, policy);
        ratio = ratioLearned ? ratio + (seen - ratio) / 3 : seen;
        ratioLearned = counterNow >= 4n << 20n;
      }
      metered = receipt.meteredBytes;
    }
    counterAtLastReceipt = counterNow;
    params.onEvent?.({ type: "voucher", usage: next, cost: priceUsage(params.terms, next), counter, metered, ratio });
  };

  let chainCheck: Promise<void> | undefined;
  let lastChainCheck = Date.now();
  let onChain: SessionRecord | undefined;
  const checkChain = () => {
    if (chainCheck) return;
    lastChainCheck = Date.now();
    chainCheck = getSession(client, { sessionId: params.sessionId })
      .then((s) => void (onChain = s))
      .catch(() => undefined)
      .finally(() => (chainCheck = undefined));
  };

  return {
    snapshot: () => {
      const age = handshakeAge(Date.now());
      return {
        counter,
        delivered,
        metered: metered < 0n ? 0n : metered,
        ratio,
        rate,
        tolerance,
        ...(failingSince !== undefined ? { failingSince } : {}),
        ...(age !== undefined ? { handshakeAgeSeconds: age } : {}),
        healthy: unhealthySince === undefined,
        ...(unhealthySince !== undefined ? { unhealthySince } : {}),
      };
    },
    async run(signal) {
      let reason: TunnelSessionEndReason = "stopped";
      const seconds = () => BigInt(Math.max(0, Math.floor((Date.now() - params.acceptedAt) / 1000)));
      while (!signal?.aborted) {
        const now = Date.now();
        try {
          const c = await params.readBytes();
          counter = c > counter ? c : counter; // a counter reset keeps the last total
        } catch {
          /* the interface may be settling; the next tick reads again */
        }
        samples.push({ t: now, c: counter });
        while (samples.length > 0 && samples[0]!.t < now - 2_000) samples.shift();
        rate = Math.max(rateOver(250, now), rateOver(1_000, now));
        if (params.readHandshake && now - handshakeReadAt >= 1_000) {
          // In the background: the tick that reads the counter and signs never waits for it.
          handshakeReadAt = now;
          params.readHandshake().then(
            (h) => void (handshake = h),
            () => undefined,
          );
        }
        const plan = planVoucherBytes({ counter, rate, ratio, signed: delivered.bytes, tolerance, policy });
        const secs = seconds() > delivered.seconds ? seconds() : delivered.seconds;
        // A stale handshake probes the agent at once (a voucher) rather than at the next interval.
        const probeDue =
          (handshakeStale(now) && now - lastSentAt >= 1_000) ||
          (params.probeIntervalMs !== undefined && now - lastSentAt >= params.probeIntervalMs);
        const timeDue = (now - lastSentAt >= intervalMs || probeDue) && secs > delivered.seconds;
        // While deliveries fail, retry at most every 250 ms.
        const retryOk = failingSince === undefined || now - lastSentAt >= 250;
        if ((plan.due || timeDue) && retryOk) {
          try {
            await deliver({ bytes: plan.bytes, seconds: secs });
          } catch (error) {
            lastSentAt = Date.now();
            failingSince ??= now;
            params.onEvent?.({ type: "delivery-failed", error, failingForMs: now - failingSince });
            const closedByAgent = error instanceof VoucherRejectedError && error.status === 409;
            if (closedByAgent || now - failingSince >= 2_000) {
              if (now - lastChainCheck >= 1_000) checkChain();
            }
          }
        }
        if (priceUsage(params.terms, delivered) * 10_000n >= params.terms.deposit * closeAt) {
          reason = "deposit";
          break;
        }
        if (now - lastChainCheck >= chainCheckMs) checkChain();
        if (onChain && (onChain.status === "Closing" || onChain.status === "Closed")) {
          reason = "provider-closed";
          break;
        }
        const unhealthy = failingSince !== undefined || handshakeStale(now);
        if (unhealthy !== (unhealthySince !== undefined)) {
          unhealthySince = unhealthy ? (failingSince ?? now) : undefined;
          const age = handshakeAge(now);
          params.onEvent?.({
            type: "health",
            healthy: !unhealthy,
            unhealthyForMs: unhealthy ? now - unhealthySince! : 0,
            ...(age !== undefined ? { handshakeAgeSeconds: age } : {}),
          });
        }
        if (unhealthySince !== undefined && now - unhealthySince >= unreachableAfterMs) {
          await chainCheck;
          checkChain();
          await chainCheck;
          reason =
            onChain && onChain.status !== "Active" && onChain.status !== "Pending" ? "provider-closed" : "unreachable";
          break;
        }
        await sleep(tickMs, signal);
      }
      await chainCheck;
      if (reason === "stopped" || reason === "deposit") {
        // A last voucher for what the counter says now (within the credit cap), if it is more.
        const cap = creditCap(counter, policy);
        const expected = (counter * BigInt(Math.round(ratio * 1_000_000))) / 1_000_000n;
        const bytes = expected < cap ? expected : cap;
        const last = { bytes: bytes > delivered.bytes ? bytes : delivered.bytes, seconds: seconds() };
        if (last.bytes > delivered.bytes || last.seconds > delivered.seconds)
          await deliver(last).catch(() => undefined);
      }
      return { reason, delivered, counter, ...(reason === "stopped" || reason === "deposit" ? {} : { onChain }) };
    },
  };
}
