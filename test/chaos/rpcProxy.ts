/**
 * A fault-injecting JSON-RPC proxy on loopback. It sits in front of a real node (a `hardhat
 * node` child) and, for each HTTP request, draws from a seeded PRNG whether to drop the
 * connection, delay it, answer 429 with Retry-After, answer 5xx, or forward it and cut the
 * answer's JSON short. A "lagging node" mode answers `eth_blockNumber` and
 * `eth_getBlockByNumber("latest")` N blocks behind the real head and hides newer blocks and logs.
 * Every injected fault is counted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createPrng, type Prng } from "./prng.ts";

/**
 * Probabilities (0–1) of each fault for one request. Drop, rate limit, server error and truncation
 * exclude each other (their sum should stay ≤ 1); a delay is drawn on its own and may precede a
 * truncation.
 */
export interface FaultPolicy {
  /** Close the socket without an answer. */
  drop?: number;
  /** Wait `delayMs` (a range) before forwarding. */
  delay?: number;
  delayMs?: [number, number];
  /** Answer 429 Too Many Requests with `Retry-After: retryAfterSeconds`. */
  rateLimit?: number;
  retryAfterSeconds?: number;
  /** Answer 500/502/503 with a JSON-less body. */
  serverError?: number;
  /** Forward, then send only the first part of the answer's JSON (status 200). */
  truncate?: number;
  /** Report the head this many blocks behind the real one and hide newer blocks and logs. */
  lagBlocks?: number;
  /** Faults apply only to these methods (all when omitted); lag applies regardless. */
  methods?: string[];
}

/** What the proxy did so far. */
export interface FaultCounters {
  requests: number;
  forwarded: number;
  dropped: number;
  delayed: number;
  rateLimited: number;
  serverErrors: number;
  truncated: number;
  /** Answers rewritten by the lagging-node mode. */
  lagged: number;
  /** Requests the proxy could not forward because the node itself failed. */
  upstreamErrors: number;
}

/** A running proxy. */
export interface RpcProxy {
  url: string;
  port: number;
  counters: FaultCounters;
  /** Faults injected so far (everything except plain forwards and upstream errors). */
  faultsInjected(): number;
  /** Replaces the policy for the following requests. */
  setPolicy(policy: FaultPolicy): void;
  /** Stops listening and cuts open connections. */
  close(): Promise<void>;
}

export interface CreateRpcProxyParams {
  /** The real node, e.g. http://127.0.0.1:8545. */
  target: string;
  /** Seed of the fault schedule. */
  seed: number;
  policy?: FaultPolicy;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
}

interface RpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method?: string;
  params?: unknown[];
}
interface RpcResponse {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: unknown;
}

const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseBlockTag(tag: unknown): bigint | "latest" | undefined {
  if (tag === undefined || tag === "latest" || tag === "pending" || tag === "safe" || tag === "finalized") {
    return "latest";
  }
  if (typeof tag === "string" && /^0x[0-9a-fA-F]+$/.test(tag)) return BigInt(tag);
  return undefined;
}

const hex = (n: bigint) => `0x${n.toString(16)}`;

/**
 * Starts a fault proxy on 127.0.0.1 in front of `target`.
 * @example
 * const proxy = await createRpcProxy({ target: chain.url, seed: 1, policy: { drop: 0.1 } });
 * // point the client at proxy.url; read proxy.counters afterwards; await proxy.close()
 */
export async function createRpcProxy(params: CreateRpcProxyParams): Promise<RpcProxy> {
  const rng: Prng = createPrng(params.seed);
  let policy: FaultPolicy = params.policy ?? {};
  const counters: FaultCounters = {
    requests: 0,
    forwarded: 0,
    dropped: 0,
    delayed: 0,
    rateLimited: 0,
    serverErrors: 0,
    truncated: 0,
    lagged: 0,
    upstreamErrors: 0,
  };

  async function upstream(body: unknown): Promise<unknown> {
    const res = await fetch(params.target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return res.json();
  }

  async function realHead(): Promise<bigint> {
    const r = (await upstream({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] })) as RpcResponse;
    return BigInt(r.result as string);
  }

  /** Answers one request of a (possibly batched) call, applying the lag. */
  async function handleOne(call: RpcRequest, lag: number): Promise<RpcResponse> {
    if (lag <= 0) return (await upstream(call)) as RpcResponse;
    const method = call.method ?? "";
    const p = Array.isArray(call.params) ? call.params : [];
    if (method === "eth_blockNumber") {
      const head = await realHead();
      const lagged = head > BigInt(lag) ? head - BigInt(lag) : 0n;
      counters.lagged++;
      return { jsonrpc: "2.0", id: call.id, result: hex(lagged) };
    }
    if (method === "eth_getBlockByNumber") {
      const head = await realHead();
      const visible = head > BigInt(lag) ? head - BigInt(lag) : 0n;
      const tag = parseBlockTag(p[0]);
      if (tag === "latest") {
        counters.lagged++;
        return (await upstream({ ...call, params: [hex(visible), ...p.slice(1)] })) as RpcResponse;
      }
      if (tag !== undefined && tag > visible) {
        counters.lagged++;
        return { jsonrpc: "2.0", id: call.id, result: null };
      }
      return (await upstream(call)) as RpcResponse;
    }
    if (method === "eth_getLogs") {
      const head = await realHead();
      const visible = head > BigInt(lag) ? head - BigInt(lag) : 0n;
      const filter = { ...((p[0] as Record<string, unknown>) ?? {}) };
      if (filter.blockHash === undefined) {
        const from = parseBlockTag(filter.fromBlock);
        const to = parseBlockTag(filter.toBlock);
        if (from !== undefined && from !== "latest" && from > visible) {
          counters.lagged++;
          return { jsonrpc: "2.0", id: call.id, result: [] };
        }
        if (to === "latest" || (to !== undefined && to > visible)) {
          counters.lagged++;
          filter.toBlock = hex(visible);
        }
        if (from === "latest") filter.fromBlock = hex(visible);
      }
      const res = (await upstream({ ...call, params: [filter] })) as RpcResponse;
      if (Array.isArray(res.result)) {
        const all = res.result as { blockNumber?: string }[];
        const shown = all.filter((log) => (log.blockNumber ? BigInt(log.blockNumber) <= visible : true));
        if (shown.length !== all.length) counters.lagged++;
        res.result = shown;
      }
      return res;
    }
    return (await upstream(call)) as RpcResponse;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    const p = policy;
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    let parsed: RpcRequest | RpcRequest[];
    try {
      parsed = JSON.parse(raw.toString("utf8")) as RpcRequest | RpcRequest[];
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
      return;
    }
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    const eligible = !p.methods || calls.some((c) => typeof c.method === "string" && p.methods!.includes(c.method));

    if (eligible) {
      // Draws in a fixed order, so a seed gives one schedule.
      const roll = rng.next();
      let edge = 0;
      const hit = (prob: number | undefined) => {
        edge += prob ?? 0;
        return roll < edge;
      };
      if (hit(p.drop)) {
        counters.dropped++;
        req.socket.destroy();
        return;
      }
      if (hit(p.rateLimit)) {
        counters.rateLimited++;
        res.writeHead(429, { "content-type": "text/plain", "retry-after": String(p.retryAfterSeconds ?? 1) });
        res.end("Too Many Requests");
        return;
      }
      if (hit(p.serverError)) {
        counters.serverErrors++;
        const status = rng.pick([500, 502, 503]);
        res.writeHead(status, { "content-type": "text/html" });
        res.end(`<html><body>${status} upstream unavailable</body></html>`);
        return;
      }
      const truncate = hit(p.truncate);
      if (rng.chance(p.delay ?? 0)) {
        counters.delayed++;
        const [lo, hi] = p.delayMs ?? [50, 500];
        await sleep(rng.between(lo, hi));
      }
      let answer: unknown;
      try {
        const results = await Promise.all(calls.map((c) => handleOne(c, p.lagBlocks ?? 0)));
        answer = Array.isArray(parsed) ? results : results[0];
      } catch {
        counters.upstreamErrors++;
        res.destroy();
        return;
      }
      let text = JSON.stringify(answer);
      if (truncate) {
        counters.truncated++;
        text = text.slice(0, Math.max(1, Math.floor(text.length * rng.next())));
      } else counters.forwarded++;
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
      return;
    }

    try {
      const results = await Promise.all(calls.map((c) => handleOne(c, p.lagBlocks ?? 0)));
      const text = JSON.stringify(Array.isArray(parsed) ? results : results[0]);
      counters.forwarded++;
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    } catch {
      counters.upstreamErrors++;
      res.destroy();
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(params.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    counters,
    faultsInjected: () =>
      counters.dropped +
      counters.delayed +
      counters.rateLimited +
      counters.serverErrors +
      counters.truncated +
      counters.lagged,
    setPolicy(next) {
      policy = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
