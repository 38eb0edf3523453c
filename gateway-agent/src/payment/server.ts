/**
 * The voucher API (docs/agent-api.md): `POST /v1/vouchers` stores a session's best signed
 * usage voucher, `GET /v1/sessions/<id>` tells the client what it is metered. Bodies are
 * limited to 4 KiB and validated strictly; every refusal is logged and changes nothing.
 * Concurrent connections are capped per source address and in all.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { z } from "zod";
import type { Hex } from "viem";
import {
  hashVoucherTerms,
  verifyUsageVoucher,
  type Erc1271Check,
  type UsageDomainParameters,
} from "../../../sdk/src/vouchers/usage.ts";
import type { Store, SessionRecord } from "../store/store.ts";
import { isAbove, type LagTolerance, type Usage } from "./policy.ts";

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 4096;
/** Default of {@link VoucherServerParams.maxConnectionsPerSource} (the agent's `voucherMaxConnectionsPerSource`). */
export const DEFAULT_MAX_CONNECTIONS_PER_SOURCE = 8;
/** Default of {@link VoucherServerParams.maxConnections} (the agent's `voucherMaxConnections`). */
export const DEFAULT_MAX_CONNECTIONS = 256;
/** Default of {@link VoucherServerParams.refusedLogIntervalMs}. */
export const DEFAULT_REFUSED_LOG_INTERVAL_MS = 10_000;
const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_UINT256 = (1n << 256n) - 1n;

const uintString = (max: bigint, what: string) =>
  z
    .string()
    .regex(/^(0|[1-9]\d{0,77})$/, `${what} must be a decimal string`)
    .transform((v) => BigInt(v))
    .refine((v) => v <= max, `${what} is out of range`);

/** The request body of `POST /v1/vouchers`. */
export const voucherBodySchema = z
  .object({
    sessionId: uintString(MAX_UINT256, "sessionId").refine((v) => v > 0n, "sessionId must be positive"),
    bytes: uintString(MAX_UINT64, "bytes"),
    seconds: uintString(MAX_UINT64, "seconds"),
    // 65 bytes for an EOA signer; contract signers (ERC-1271) may use longer signatures.
    signature: z.string().regex(/^0x(?:[0-9a-fA-F]{2}){65,1900}$/, "signature must be 65 or more bytes of hex"),
  })
  .strict();

/** Parameters of {@link createVoucherServer}. */
export interface VoucherServerParams {
  store: Store;
  domain: UsageDomainParameters;
  /** This agent's provider address: with the session's deposit and prices, the terms a voucher is bound to. */
  provider: Hex;
  metered(s: SessionRecord): Usage;
  /** The voucher lag tolerance, advertised to clients in every session view so they can sign ahead of it. */
  tolerance?: LagTolerance;
  log: { warn(o: object, m: string): void; info(o: object, m: string): void };
  onRefused?(reason: string): void;
  /**
   * Who may read a session's usage (`GET /v1/sessions/<id>`), by the request's source address.
   * Default: anyone. The agent allows the session's own tunnel addresses and local addresses.
   */
  mayView?(s: SessionRecord, remoteAddress: string): boolean;
  /**
   * ERC-1271 check for contract signers, consulted only when the ECDSA check failed: the escrow's
   * rule (a valid ECDSA signature by the signer's key counts whatever code the account has).
   */
  verifyContract?: Erc1271Check;
  onAccepted?(s: SessionRecord): void;
  /**
   * Most connections open at once from one source address; more are closed as soon as they
   * arrive. A connection whose source is the address it reached (a client on the agent's own host,
   * such as the operator's tools) is neither limited nor counted. Default 8.
   */
  maxConnectionsPerSource?: number;
  /** Most connections open at once from all sources together; more are closed on arrival. Default 256. */
  maxConnections?: number;
  /**
   * Refused connections are logged at most once per this many milliseconds (each line counts the
   * refusals since the previous one). Default 10 s.
   */
  refusedLogIntervalMs?: number;
}

class HttpError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) return reject(new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        reject(new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: object, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...(close ? { connection: "close" } : {}),
  });
  res.end(text);
}

/** After refusing an oversized body: discard what the client still sends, but not forever. */
function drain(req: IncomingMessage): void {
  let extra = 0;
  req.on("data", (c: Buffer) => {
    extra += c.length;
    if (extra > 1 << 20) req.destroy();
  });
  req.resume();
}

function view(s: SessionRecord, metered: Usage, tolerance?: LagTolerance) {
  return {
    ...(tolerance
      ? {
          toleranceBytes: tolerance.bytes.toString(),
          tolerancePercent: tolerance.percent,
          toleranceSeconds: tolerance.seconds.toString(),
          ...(tolerance.graceSeconds !== undefined ? { toleranceGraceSeconds: tolerance.graceSeconds } : {}),
          ...(tolerance.maxBytes !== undefined ? { toleranceMaxBytes: tolerance.maxBytes.toString() } : {}),
        }
      : {}),
    sessionId: s.id.toString(),
    meteredBytes: metered.bytes.toString(),
    meteredSeconds: metered.seconds.toString(),
    voucherBytes: s.voucherBytes.toString(),
    voucherSeconds: s.voucherSeconds.toString(),
    status: s.cutReason ? "cut" : s.status,
  };
}

/** Normalizes an IPv4-mapped IPv6 address (`::ffff:10.77.0.2`) to its IPv4 form. */
const plainAddress = (a: string | undefined) => (a ?? "").replace(/^::ffff:/, "");

/**
 * Closes connections over the per-source and total caps as they arrive; logs refusals at most once
 * per interval (source address, reason, counts; never a request or a key).
 */
function limitConnections(server: Server, params: VoucherServerParams): void {
  const perSource = params.maxConnectionsPerSource ?? DEFAULT_MAX_CONNECTIONS_PER_SOURCE;
  const total = params.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const logEvery = params.refusedLogIntervalMs ?? DEFAULT_REFUSED_LOG_INTERVAL_MS;
  const open = new Map<string, number>();
  let openTotal = 0;
  let refusedSinceLog = 0;
  let lastLog = -Infinity;

  server.on("connection", (socket: Socket) => {
    const remote = plainAddress(socket.remoteAddress);
    if (remote === "") {
      socket.destroy(); // Already gone.
      return;
    }
    if (remote === plainAddress(socket.localAddress)) return;
    const fromSource = open.get(remote) ?? 0;
    let reason: string | undefined;
    if (fromSource >= perSource) reason = "too many connections from this address";
    else if (openTotal >= total) reason = "too many connections";
    if (reason) {
      socket.destroy();
      refusedSinceLog++;
      params.onRefused?.(reason);
      const now = Date.now();
      if (now - lastLog >= logEvery) {
        params.log.warn(
          { remote, reason, refused: refusedSinceLog, fromSource, openTotal, maxPerSource: perSource, maxTotal: total },
          "voucher API connections refused",
        );
        refusedSinceLog = 0;
        lastLog = now;
      }
      return;
    }
    open.set(remote, fromSource + 1);
    openTotal++;
    socket.once("close", () => {
      openTotal--;
      const n = (open.get(remote) ?? 1) - 1;
      if (n > 0) open.set(remote, n);
      else open.delete(remote);
    });
  });
}

/** Creates the HTTP server (not listening yet). */
export function createVoucherServer(params: VoucherServerParams): Server {
  const { store, log } = params;

  async function postVoucher(req: IncomingMessage): Promise<object> {
    const text = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HttpError(400, "malformed JSON");
    }
    const parsed = voucherBodySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError(400, `invalid voucher: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "bad shape"}`);
    }
    const v = parsed.data;
    const s = store.get(v.sessionId);
    if (!s || s.status === "refused") throw new HttpError(404, "unknown session");
    if (s.status !== "active" && s.status !== "closing" && s.status !== "accepting") {
      throw new HttpError(409, `session is ${s.status}`);
    }
    if (!isAbove(v, { bytes: s.voucherBytes, seconds: s.voucherSeconds })) {
      throw new HttpError(409, "not above the last voucher");
    }
    // Bound to the terms the agent recorded from SessionOpened, as the escrow checks at claim.
    const terms = hashVoucherTerms({
      provider: params.provider,
      deposit: s.deposit,
      pricePerGiB: s.pricePerGiB,
      pricePerMinute: s.pricePerMinute,
    });
    const voucher = { sessionId: v.sessionId, terms, bytes: v.bytes, seconds: v.seconds };
    const ok = await verifyUsageVoucher({
      domain: params.domain,
      voucher,
      signature: v.signature as Hex,
      signer: s.signer as Hex,
      ...(params.verifyContract ? { erc1271: params.verifyContract } : {}),
    });
    if (!ok) throw new HttpError(403, "signature is not the session signer's");
    // Re-read after the await: another request may have stored a better voucher meanwhile.
    const stored = store.transaction(() => {
      const cur = store.get(v.sessionId);
      if (!cur || !isAbove(v, { bytes: cur.voucherBytes, seconds: cur.voucherSeconds })) return undefined;
      store.setVoucher(v.sessionId, v.bytes, v.seconds, v.signature);
      return store.get(v.sessionId);
    });
    if (!stored) throw new HttpError(409, "not above the last voucher");
    params.onAccepted?.(stored);
    return { accepted: true, ...view(stored, params.metered(stored), params.tolerance) };
  }

  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const handle = async (): Promise<object> => {
      if (url === "/v1/vouchers") {
        if (req.method !== "POST") throw new HttpError(405, "use POST");
        return postVoucher(req);
      }
      const m = /^\/v1\/sessions\/([1-9]\d{0,77})$/.exec(url);
      if (m && req.method === "GET") {
        const s = store.get(BigInt(m[1] ?? "0"));
        if (!s || s.status === "refused") throw new HttpError(404, "unknown session");
        const remote = plainAddress(req.socket.remoteAddress);
        if (params.mayView && !params.mayView(s, remote)) throw new HttpError(403, "not your session");
        return view(s, params.metered(s), params.tolerance);
      }
      throw new HttpError(404, "not found");
    };
    handle().then(
      (body) => send(res, 200, body),
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const reason = err instanceof HttpError ? err.message : "internal error";
        if (status >= 500) log.warn({ err: (err as Error).message }, "voucher API error");
        else log.warn({ status, reason, path: url.slice(0, 80) }, "voucher refused");
        params.onRefused?.(reason);
        send(res, status, { error: reason }, status === 413);
        if (status === 413) drain(req);
      },
    );
  });
  limitConnections(server, params);
  return server;
}
