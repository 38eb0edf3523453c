/**
 * The client side of the gateway agent's voucher API (docs/agent-api.md): vouchers are
 * posted over HTTP inside the tunnel to the gateway, port 51830.
 */
import type { Hex } from "viem";
import { DvpnError } from "../errors/base.ts";
import type { VoucherTolerance } from "./paymentPlan.ts";

/** The agent's voucher API port. */
export const VOUCHER_API_PORT = 51830;

/** The agent refused a voucher or could not be reached. */
export class VoucherRejectedError extends DvpnError {
  override name = "VoucherRejectedError";
  /** HTTP status when the agent answered. */
  status: number | undefined;
  /** @param message why; @param status the HTTP status. */
  constructor(message: string, status?: number, cause?: unknown) {
    super(message, { cause });
    this.status = status;
  }
}

/** What the agent reports about a session. */
export interface AgentSessionState {
  sessionId: string;
  meteredBytes: string;
  meteredSeconds: string;
  voucherBytes: string;
  voucherSeconds: string;
  status: string;
  /** The agent's voucher lag tolerance (agents that advertise it). */
  toleranceBytes?: string;
  tolerancePercent?: number;
  toleranceSeconds?: string;
  toleranceGraceSeconds?: number;
  toleranceMaxBytes?: string;
}

/** What the agent answers to a stored voucher. */
export interface VoucherReceipt {
  meteredBytes: bigint;
  meteredSeconds: bigint;
  /** The agent's tolerance, when it advertises it. */
  tolerance?: VoucherTolerance;
}

/**
 * The tolerance an agent advertises in a session view, if it does.
 * @param body the agent's JSON answer.
 * @returns the tolerance, or undefined.
 * @example toleranceOf({ toleranceBytes: "1048576", tolerancePercent: 5, toleranceSeconds: "120" })
 */
export function toleranceOf(body: Record<string, unknown>): VoucherTolerance | undefined {
  const { toleranceBytes: b, tolerancePercent: p, toleranceSeconds: s } = body;
  const { toleranceGraceSeconds: g, toleranceMaxBytes: m } = body;
  const decimal = (v: unknown): v is string => typeof v === "string" && /^\d{1,30}$/.test(v);
  if (!decimal(b) || typeof p !== "number" || !(p >= 0 && p <= 100)) return undefined;
  return {
    bytes: BigInt(b),
    percent: p,
    seconds: decimal(s) ? BigInt(s) : 120n,
    ...(typeof g === "number" && Number.isInteger(g) && g >= 0 && g <= 3600 ? { graceSeconds: g } : {}),
    ...(decimal(m) ? { maxBytes: BigInt(m) } : {}),
  };
}

/**
 * Sends a signed cumulative voucher to the agent: `POST http://<gateway>:51830/v1/vouchers`.
 * @param params the gateway, the voucher and its signature.
 * @returns the agent's metered totals.
 * @throws {VoucherRejectedError} on a 4xx/5xx or when the agent is unreachable.
 * @example await postVoucher({ gateway: "10.77.0.1", sessionId: 1n, bytes, seconds, signature })
 */
export async function postVoucher(params: {
  gateway: string;
  port?: number;
  sessionId: bigint;
  bytes: bigint;
  seconds: bigint;
  signature: Hex;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): Promise<VoucherReceipt> {
  const url = `http://${params.gateway}:${params.port ?? VOUCHER_API_PORT}/v1/vouchers`;
  let res: Response;
  try {
    res = await (params.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sessionId: params.sessionId.toString(),
        bytes: params.bytes.toString(),
        seconds: params.seconds.toString(),
        signature: params.signature,
      }),
      signal: AbortSignal.timeout(params.timeoutMs ?? 5_000),
    });
  } catch (err) {
    throw new VoucherRejectedError(`cannot reach the agent at ${url}`, undefined, err);
  }
  const body = (await res.json().catch(() => ({}))) as {
    error?: string;
    meteredBytes?: string;
    meteredSeconds?: string;
  };
  if (!res.ok)
    throw new VoucherRejectedError(`agent refused the voucher: ${body.error ?? `HTTP ${res.status}`}`, res.status);
  return receiptOf(body);
}

/**
 * Reads the agent's answer to a stored voucher (metered totals, advertised tolerance).
 * @param body the JSON body of a 200 answer.
 * @returns the receipt.
 * @example receiptOf({ meteredBytes: "2000", meteredSeconds: "61" })
 */
export function receiptOf(body: Record<string, unknown>): VoucherReceipt {
  const num = (v: unknown) => (typeof v === "string" && /^\d{1,30}$/.test(v) ? BigInt(v) : 0n);
  const tolerance = toleranceOf(body);
  return {
    meteredBytes: num(body.meteredBytes),
    meteredSeconds: num(body.meteredSeconds),
    ...(tolerance ? { tolerance } : {}),
  };
}

/**
 * Asks the agent what it metered for a session and the best voucher it holds.
 * @param params the gateway and session id.
 * @returns the agent's view of the session.
 * @example const { meteredBytes } = await getAgentSession({ gateway: "10.77.0.1", sessionId: 1n })
 */
export async function getAgentSession(params: {
  gateway: string;
  port?: number;
  sessionId: bigint;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): Promise<AgentSessionState> {
  const url = `http://${params.gateway}:${params.port ?? VOUCHER_API_PORT}/v1/sessions/${params.sessionId}`;
  let res: Response;
  try {
    res = await (params.fetch ?? fetch)(url, { signal: AbortSignal.timeout(params.timeoutMs ?? 5_000) });
  } catch (err) {
    throw new VoucherRejectedError(`cannot reach the agent at ${url}`, undefined, err);
  }
  if (!res.ok) throw new VoucherRejectedError(`agent answered HTTP ${res.status}`, res.status);
  return (await res.json()) as AgentSessionState;
}
