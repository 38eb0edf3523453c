import type { ServerResponse } from "node:http";
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  subscribe,
  validate,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { maskError } from "graphql-yoga";
import { boundMessage } from "./errors.ts";

/** A subscription request over SSE: the GraphQL-over-HTTP parameters. */
export interface SseRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** Subscribers of one (document, variables, operation): one execution, one frame per event for all. */
interface Group {
  members: Set<ServerResponse>;
  /** The last `event: next` frame, sent to a member joining after it. */
  last: Buffer | undefined;
  iterator: AsyncIterator<ExecutionResult>;
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

/**
 * Subscriptions over SSE for many subscribers: subscribers of the same document and variables
 * share one GraphQL execution per event, serialized once; each subscriber costs a socket write
 * of the same bytes. The stream is graphql-yoga's ("distinct connections" GraphQL over SSE: a
 * first `:` ping, `event: next` per value, a ping every 12 s, `event: complete` at the end).
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
  const ping = setInterval(() => {
    for (const g of groups.values()) for (const res of g.members) res.write(PING);
  }, p.pingMs ?? 12_000);
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
        g.last = frame(r.value);
        for (const res of g.members) {
          // A client that stopped reading is let go rather than buffered for without bound.
          if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
          else res.write(g.last);
        }
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
        const result = await subscribe({
          schema: p.schema,
          document: doc,
          variableValues: request.variables ?? undefined,
          operationName: request.operationName ?? undefined,
          contextValue: p.context(),
        });
        if (!(Symbol.asyncIterator in result)) return false; // an error: answered by the caller
        g = groups.get(key); // another request may have started the group meanwhile
        if (g) void result.return?.();
        else {
          g = { members: new Set(), last: undefined, iterator: result };
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
