import type { ServerResponse } from "node:http";
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { maskError } from "graphql-yoga";
import { boundMessage } from "./errors.ts";
import { GONE, GONE_AWARE } from "./live.ts";

/** A subscription request over SSE: the GraphQL-over-HTTP parameters. */
export interface SseRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** Subscribers of one (document, variables, operation): one execution, one frame per event for all. */
interface Group {
  members: Set<ServerResponse>;
  /**
   * The last `event: next` frame, sent to a member joining after it; undefined when none was
   * sent yet or its value is gone ({@link GONE}), so a joiner is never told a stale value.
   */
  last: Buffer | undefined;
  /** When the group was last sent a frame (ms since the epoch; 0: never). */
  sentAt: number;
  /** The source events (the subscribe resolver's values), executed once each for the group. */
  iterator: AsyncIterator<unknown>;
  execute(event: unknown): Promise<ExecutionResult> | ExecutionResult;
}

export interface SseHub {
  /**
   * Serves `request` as an SSE stream shared with every subscriber of the same document,
   * variables and operation; false (nothing written) when it is not a valid subscription, for
   * the caller to answer it otherwise (errors included).
   */
  serve(request: SseRequest, res: ServerResponse, headers?: Record<string, string>): Promise<boolean>;
  /** Subscribers and groups (metrics, tests). */
  stats(): { subscribers: number; groups: number };
}

const PING = Buffer.from(":\n\n");
/** Bytes a subscriber may leave unread before it is disconnected. */
const MAX_BUFFERED_BYTES = 1 << 20;
const COMPLETE = Buffer.from("event: complete\ndata:\n\n");
const CRLF = Buffer.from("\r\n");

/** `frame` as one chunk of HTTP/1.1's chunked transfer coding. */
const chunked = (frame: Buffer) => Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, CRLF]);
const PING_CHUNK = chunked(PING);

/**
 * Sends an event's frame to one subscriber. A chunked HTTP/1.1 response (the usual case) gets
 * the chunk framed once for every member, written on its socket: one write call, without the
 * response's per-write framing, corking and deferred flush, which at 10,000 subscribers was a
 * good part of the server's time per event. The chunk is valid in the response's own framing:
 * the headers went out with the first ping, and the response's later writes (pings, the
 * closing frame) go through the same socket, in order. Anything else is written through the
 * response. A client that stopped reading is let go rather than buffered for without bound.
 */
function send(res: ServerResponse, frame: Buffer, chunk: Buffer): void {
  const socket = res.socket;
  const direct = res.headersSent && res.chunkedEncoding && socket !== null && !socket.destroyed;
  if ((direct ? socket.writableLength : res.writableLength) > MAX_BUFFERED_BYTES) res.destroy();
  else if (direct) socket.write(chunk);
  else res.write(frame);
}

/**
 * Subscriptions over SSE for many subscribers: subscribers of the same document and variables
 * share one GraphQL execution per event, serialized once; each subscriber costs a socket write
 * of the same bytes. The stream is graphql-yoga's ("distinct connections" GraphQL over SSE: a
 * first `:` ping, `event: next` per value, a ping every 12 s to a stream sent no event in the last 12 s, `event: complete` at the end).
 * Subscribe resolvers get {@link GONE_AWARE} as their root value: a source event {@link GONE}
 * sends no frame and makes the group forget its last one.
 */
export function createSseHub(p: {
  schema: GraphQLSchema;
  rules: readonly ValidationRule[];
  /** The context of a group's execution (the live feed's values do not depend on the request). */
  context: () => unknown;
  maskErrors: boolean;
  signal: AbortSignal;
  pingMs?: number;
}): SseHub {
  const groups = new Map<string, Group>();
  const documents = new Map<string, ReturnType<typeof parse> | null>();
  let subscribers = 0;
  const pingMs = p.pingMs ?? 12_000;
  // A group that was sent a frame lately needs no ping: its connections are not idle. Checked
  // every quarter interval, pinging groups quiet for three quarters, so no stream goes longer
  // than the interval without a frame (a ping counts as one).
  const ping = setInterval(
    () => {
      const now = Date.now();
      for (const g of groups.values()) {
        if (now - g.sentAt < (pingMs * 3) / 4) continue;
        g.sentAt = now;
        for (const res of g.members) send(res, PING, PING_CHUNK);
      }
    },
    Math.max(1, Math.floor(pingMs / 4)),
  );
  ping.unref();
  p.signal.addEventListener("abort", () => clearInterval(ping));

  /** The parsed document when it is a valid subscription (cached per query text), else null. */
  function subscriptionDocument(query: string, operationName: string | null | undefined) {
    const key = `${operationName ?? ""}\n${query}`;
    let doc = documents.get(key);
    if (doc === undefined) {
      try {
        const parsed = parse(query);
        const op = getOperationAST(parsed, operationName);
        doc =
          op?.operation === "subscription" && validate(p.schema, parsed, [...specifiedRules, ...p.rules]).length === 0
            ? parsed
            : null;
      } catch {
        doc = null;
      }
      if (documents.size >= 1000) documents.clear();
      documents.set(key, doc);
    }
    return doc;
  }

  const frame = (result: ExecutionResult) => {
    const errors = result.errors?.map((e) => {
      const shown = p.maskErrors && !(e.originalError == null || e.originalError instanceof GraphQLError);
      const err = shown ? (maskError(e, "Unexpected error.", false) as GraphQLError) : e;
      return { ...err.toJSON(), message: boundMessage(err.message) };
    });
    const body = JSON.stringify(errors ? { ...result, errors } : result, (_, v) =>
      typeof v === "bigint" ? v.toString() : v,
    );
    return Buffer.from(`event: next\ndata: ${body}\n\n`);
  };

  async function run(key: string, g: Group) {
    try {
      for (;;) {
        const r = await g.iterator.next();
        if (r.done || g.members.size === 0) break;
        if (r.value === GONE) {
          g.last = undefined; // the value is no longer current: a joiner waits for the next one
          continue;
        }
        const last = frame(await g.execute(r.value));
        const chunk = chunked(last);
        g.last = last;
        g.sentAt = Date.now();
        for (const res of g.members) send(res, last, chunk);
      }
    } catch {
      // the stream ended with an error: its subscribers are told the stream is complete
    }
    if (groups.get(key) === g) groups.delete(key);
    for (const res of g.members) res.end(COMPLETE);
    g.members.clear();
  }

  return {
    async serve(request, res, headers = {}) {
      const doc = subscriptionDocument(request.query, request.operationName);
      if (!doc) return false;
      const key = JSON.stringify([request.query, request.variables ?? null, request.operationName ?? null]);
      let g = groups.get(key);
      if (!g) {
        // graphql-js's subscribe(), with the source events seen before their execution.
        const args = {
          schema: p.schema,
          document: doc,
          variableValues: request.variables ?? undefined,
          operationName: request.operationName ?? undefined,
          contextValue: p.context(),
        };
        const result = await createSourceEventStream({ ...args, rootValue: GONE_AWARE });
        if (!(Symbol.asyncIterator in result)) return false; // an error: answered by the caller
        const iterator = result[Symbol.asyncIterator]();
        g = groups.get(key); // another request may have started the group meanwhile
        if (g) void iterator.return?.();
        else {
          g = {
            members: new Set(),
            last: undefined,
            sentAt: 0,
            iterator,
            execute: (event) => execute({ ...args, rootValue: event }),
          };
          groups.set(key, g);
          void run(key, g);
        }
      }
      const group = g;
      if (res.destroyed) {
        // The client went away while the subscription started: nobody to add.
        if (group.members.size === 0 && groups.get(key) === group) {
          groups.delete(key);
          void group.iterator.return?.();
        }
        return true;
      }
      res.writeHead(200, {
        ...headers,
        "content-type": "text/event-stream",
        connection: "keep-alive",
        "cache-control": "no-cache",
        "content-encoding": "none",
      });
      res.write(PING);
      if (group.last) res.write(group.last);
      group.members.add(res);
      subscribers++;
      res.once("close", () => {
        subscribers--;
        group.members.delete(res);
        if (group.members.size === 0 && groups.get(key) === group) {
          groups.delete(key);
          void group.iterator.return?.();
        }
      });
      return true;
    },
    stats: () => ({ subscribers, groups: groups.size }),
  };
}
