/**
 * The DNS forwarder the agent serves on its tunnel gateway, so a client's queries go through the
 * tunnel to the provider and from there to the provider's resolvers, never in the clear on the
 * client's network. UDP and TCP on each listen address; a query from outside the tunnel pools is
 * answered REFUSED; a malformed one FORMERR; one no upstream answers in time SERVFAIL. Queries
 * go upstream as they came (the same transport, a fresh random id and source port per query) and
 * the answer comes back unchanged but for the id. Plain node:dgram and node:net, no cache.
 */
import { createSocket, type Socket } from "node:dgram";
import { randomInt } from "node:crypto";
import { createConnection, createServer, isIPv6, type Server, type Socket as TcpSocket } from "node:net";
import type { Logger } from "pino";
import { AgentError } from "../errors.ts";
import {
  answers,
  errorReply,
  HEADER_BYTES,
  parseQuery,
  RCODE,
  withId,
  DnsQueryError,
  type DnsQuery,
} from "./message.ts";
import type { Upstream } from "./upstreams.ts";

/** How a query ended. */
export type DnsOutcome = "answered" | "refused" | "servfail" | "formerr";

/** What {@link createDnsForwarder} needs. */
export interface DnsForwarderParams {
  /** Addresses to serve on (UDP and TCP each); port 0 picks one (the same for both). */
  listen: { host: string; port: number }[];
  upstreams: Upstream[];
  /** Whether a client address may ask (the tunnel pools). */
  allow(address: string): boolean;
  /** How long one upstream gets to answer before the next is tried (ms). */
  timeoutMs: number;
  /** Most queries in flight at once; beyond, SERVFAIL at once. Default 1024. */
  maxInFlight?: number;
  /** Most TCP connections open at once. Default 256. */
  maxTcpConnections?: number;
  log: Pick<Logger, "warn" | "info" | "debug">;
  onQuery?(outcome: DnsOutcome): void;
}

/** A running (or startable) forwarder. */
export interface DnsForwarder {
  /** Binds every listen address; throws (having closed what it opened) when one cannot be bound. */
  start(): Promise<{ host: string; port: number }[]>;
  stop(): Promise<void>;
}

const TCP_IDLE_MS = 10_000;
const MAX_MESSAGE = 65_535;

function udpExchange(up: Upstream, msg: Buffer, query: DnsQuery, timeoutMs: number): Promise<Buffer> {
  const id = randomInt(65_536);
  const sock = createSocket(isIPv6(up.host) ? "udp6" : "udp4");
  return new Promise<Buffer>((resolve, reject) => {
    let open = true;
    const finish = (err: Error | undefined, answer?: Buffer) => {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from ${up.host}:${up.port} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on("message", (m, from) => {
      if (from.address === up.host && from.port === up.port && answers(m, id, query)) finish(undefined, m);
    });
    sock.on("error", (err) => finish(err));
    sock.send(withId(msg, id), up.port, up.host, (err) => err && finish(err));
  });
}

function tcpExchange(up: Upstream, msg: Buffer, query: DnsQuery, timeoutMs: number): Promise<Buffer> {
  const id = randomInt(65_536);
  return new Promise<Buffer>((resolve, reject) => {
    const sock = createConnection({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    let open = true;
    const finish = (err: Error | undefined, answer?: Buffer) => {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from ${up.host}:${up.port} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.on("connect", () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([len, withId(msg, id)]));
    });
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const answer = buf.subarray(2, 2 + buf.readUInt16BE(0));
        if (answers(answer, id, query)) finish(undefined, answer);
        else finish(new Error(`${up.host}:${up.port} sent an answer to another query`));
      }
    });
    sock.on("error", (err) => finish(err));
    sock.on("close", () => finish(new Error(`${up.host}:${up.port} closed the connection`)));
  });
}

/**
 * Creates the forwarder (call `start()` to serve).
 * @param p where to listen, where to forward, who may ask.
 * @returns the forwarder.
 * @example createDnsForwarder({ listen: [{ host: "10.77.0.1", port: 53 }], upstreams: [{ host: "1.1.1.1", port: 53 }], allow: (a) => inPool(layout, a), timeoutMs: 2000, log })
 */
export function createDnsForwarder(p: DnsForwarderParams): DnsForwarder {
  const maxInFlight = p.maxInFlight ?? 1024;
  let inFlight = 0;
  let udp: Socket[] = [];
  let tcp: Server[] = [];
  const conns = new Set<TcpSocket>();
  let loggedOutsider = false;

  const outcome = (o: DnsOutcome, reply: Buffer | undefined) => {
    p.onQuery?.(o);
    return reply;
  };

  /** The answer to one message from `source` (undefined: nothing to send). */
  async function handle(msg: Buffer, source: string, transport: "udp" | "tcp"): Promise<Buffer | undefined> {
    if (msg.length < HEADER_BYTES) return outcome("formerr", undefined);
    if (!p.allow(source)) {
      if (!loggedOutsider) {
        loggedOutsider = true;
        p.log.warn({ source }, "DNS query from outside the tunnel refused (further ones are only counted)");
      }
      return outcome("refused", errorReply(msg, RCODE.REFUSED));
    }
    let query: DnsQuery;
    try {
      query = parseQuery(msg);
    } catch (err) {
      const rcode = err instanceof DnsQueryError ? err.rcode : RCODE.FORMERR;
      return outcome(rcode === RCODE.REFUSED ? "refused" : "formerr", errorReply(msg, rcode));
    }
    if (inFlight >= maxInFlight || p.upstreams.length === 0)
      return outcome("servfail", errorReply(msg, RCODE.SERVFAIL));
    inFlight++;
    try {
      for (const up of p.upstreams) {
        try {
          const answer = await (transport === "udp" ? udpExchange : tcpExchange)(up, msg, query, p.timeoutMs);
          return outcome("answered", withId(answer, query.id));
        } catch (err) {
          p.log.debug({ upstream: `${up.host}:${up.port}`, err: (err as Error).message }, "DNS upstream failed");
        }
      }
      return outcome("servfail", errorReply(msg, RCODE.SERVFAIL));
    } finally {
      inFlight--;
    }
  }

  function serveTcp(server: Server): void {
    server.on("connection", (conn) => {
      conns.add(conn);
      conn.on("close", () => conns.delete(conn));
      const source = conn.remoteAddress ?? "";
      let buf = Buffer.alloc(0);
      let busy = false;
      conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
      conn.on("error", () => conn.destroy());
      const next = async () => {
        if (busy) return;
        busy = true;
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0) && !conn.destroyed) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          const reply = await handle(msg, source, "tcp");
          if (!reply) {
            conn.destroy();
            break;
          }
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          conn.write(Buffer.concat([len, reply]));
        }
        busy = false;
      };
      conn.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length > 2 * (MAX_MESSAGE + 2)) conn.destroy();
        else void next();
      });
    });
  }

  async function bindOne(where: { host: string; port: number }): Promise<{ host: string; port: number }> {
    const sock = createSocket({ type: isIPv6(where.host) ? "udp6" : "udp4" });
    udp.push(sock);
    await new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.bind(where.port, where.host, () => {
        sock.off("error", reject);
        resolve();
      });
    });
    const port = sock.address().port;
    sock.on("error", (err) => p.log.warn({ err: err.message }, "DNS socket error"));
    sock.on("message", (msg, from) => {
      void handle(msg, from.address, "udp")
        .then((reply) => {
          if (reply) sock.send(reply, from.port, from.address);
        })
        // The socket may be closed by stop() while an upstream answer was awaited.
        .catch((err: unknown) => p.log.debug({ err: (err as Error).message }, "DNS answer not sent"));
    });
    const server = createServer();
    server.maxConnections = p.maxTcpConnections ?? 256;
    tcp.push(server);
    serveTcp(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, where.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return { host: where.host, port };
  }

  /** Closes a socket that may not be open (a failed bind). */
  function closeQuietly(close: () => void): void {
    try {
      close();
    } catch {
      /* not open */
    }
  }

  /** Binds `where`; with port 0, tries a few ports until one is free for both UDP and TCP. */
  async function bindBoth(where: { host: string; port: number }): Promise<{ host: string; port: number }> {
    for (let attempt = 0; ; attempt++) {
      const [u, t] = [udp.length, tcp.length];
      try {
        return await bindOne(where);
      } catch (err) {
        if (where.port !== 0 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 20) throw err;
        for (const s of udp.splice(u)) closeQuietly(() => s.close());
        for (const s of tcp.splice(t)) closeQuietly(() => s.close());
      }
    }
  }

  const forwarder: DnsForwarder = {
    async start() {
      const bound: { host: string; port: number }[] = [];
      for (const where of p.listen) {
        try {
          bound.push(await bindBoth(where));
        } catch (err) {
          await forwarder.stop();
          const code = (err as NodeJS.ErrnoException).code;
          throw new AgentError(
            `cannot serve DNS on ${where.host}:${where.port}: ${code ?? (err as Error).message}` +
              (code === "EADDRINUSE" ? " (another resolver holds the port; set dns to false to serve none)" : ""),
            { cause: err },
          );
        }
      }
      return bound;
    },
    async stop() {
      for (const s of udp) {
        try {
          s.close();
        } catch {
          /* never bound */
        }
      }
      for (const c of conns) c.destroy();
      await Promise.all(tcp.map((s) => new Promise<void>((r) => s.close(() => r()))));
      udp = [];
      tcp = [];
    },
  };
  return forwarder;
}
