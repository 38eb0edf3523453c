import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createYoga, type Plugin } from "graphql-yoga";
import type { Common } from "../common/common.ts";
import type { Database } from "../database/createDatabase.ts";
import { createContext, createSharedCache, type FeedContext } from "../graphql/context.ts";
import { createFeedSchema } from "../graphql/createFeedSchema.ts";
import { compiledExecution } from "../graphql/compiledExecution.ts";
import { boundedErrors } from "../graphql/errors.ts";
import { limitsRule } from "../graphql/limits.ts";
import { resultCache } from "../graphql/resultCache.ts";
import { createSseHub, type SseRequest } from "../graphql/sse.ts";
import { createExplorerRoutes } from "./explorer.ts";

const MAX_BODY_BYTES = 100_000;
const MAX_URL_LENGTH = 16_000;

export interface Server {
  /** http://host:port/graphql */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServerParams {
  db: Database;
  /** True once this instance (or the writer, for readers) has reached the head. */
  isReady(): Promise<boolean>;
  /** The explorer's build folder (default indexer/explorer/dist). */
  explorerDir?: string;
}

/**
 * GraphQL over HTTP (graphql-yoga, GraphiQL at /graphql, subscriptions over SSE) plus
 * /healthz, /ready (503 until caught up) and /metrics (Prometheus text); the network explorer at /.
 */
export async function createServer(common: Common, params: ServerParams): Promise<Server> {
  const { config, metrics, logger } = common;
  const shared = createSharedCache(params.db);
  const limits: Plugin = {
    onValidate({ addValidationRule }) {
      addValidationRule(limitsRule(config));
    },
  };
  const schema = createFeedSchema(common.shutdown.signal);
  const yoga = createYoga<object, FeedContext>({
    schema,
    graphiql: { title: "dvpn feed" },
    maskedErrors: config.maskErrors,
    landingPage: false,
    batching: false,
    logging: false,
    // Every body reaching graphql-yoga is bounded here (an announced length is checked, an
    // unannounced one read within the bound, see `handle`): graphql-yoga's own bound would pipe
    // each request's body through a transform stream, a noticeable share of a small query's time.
    maxRequestBodySize: false,
    // The answer cache wraps the executor compiledExecution chose, so it comes after it.
    plugins: [
      limits,
      boundedErrors(),
      compiledExecution(),
      resultCache({ maxBytes: config.resultCacheMiB * 1024 * 1024, metrics }),
    ],
    context: () => createContext(params.db.prisma, config, shared),
  });
  const explorer = createExplorerRoutes(common, params.explorerDir);
  const sse = createSseHub({
    schema,
    rules: [limitsRule(config)],
    context: () => createContext(params.db.prisma, config, shared),
    maskErrors: config.maskErrors,
    signal: common.shutdown.signal,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    let route = "graphql";
    try {
      if (path === "/healthz") {
        route = "healthz";
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      } else if (path === "/ready") {
        route = "ready";
        const ready = await params.isReady().catch(() => false);
        res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "catching up\n");
      } else if (path === "/metrics") {
        route = "metrics";
        const lag = await shared.replicaLag();
        if (lag !== null) metrics.set("dvpn_indexer_replica_lag_seconds", lag);
        metrics.set("dvpn_indexer_sse_subscribers", sse.stats().subscribers);
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metrics.render());
      } else if (!path.startsWith("/graphql") && (await explorer.handle(req, res, path))) {
        route = "explorer";
      } else if (
        Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES ||
        (req.url?.length ?? 0) > MAX_URL_LENGTH
      ) {
        tooLarge(res);
      } else {
        metrics.inc("dvpn_indexer_graphql_requests_total");
        if ((req.headers.accept ?? "").includes("text/event-stream")) await streamed(req, res);
        else if (req.headers["content-length"] === undefined && req.headers["transfer-encoding"] !== undefined) {
          // A body of unannounced length, read within the bound before graphql-yoga sees it.
          const body = await readBody(req).catch(() => undefined);
          if (body === undefined) tooLarge(res);
          else await viaFetch(req, res, body);
        } else await yoga(req, res);
        if (res.statusCode >= 400) metrics.inc("dvpn_indexer_graphql_errors_total");
      }
    } catch (error) {
      logger.error({ err: (error as Error).message }, "request failed");
      if (!res.headersSent) res.writeHead(500).end();
    } finally {
      if (!path?.startsWith("/graphql") || !(req.headers.accept ?? "").includes("text/event-stream")) {
        metrics.observe("dvpn_indexer_http_request_duration_seconds", (performance.now() - started) / 1000, { route });
      }
    }
  }

  function tooLarge(res: ServerResponse): void {
    metrics.inc("dvpn_indexer_graphql_errors_total");
    res.writeHead(413, { "content-type": "application/json" }).end(
      JSON.stringify({
        errors: [
          { message: `request too large: at most ${MAX_BODY_BYTES} bytes of body and ${MAX_URL_LENGTH} of URL` },
        ],
      }),
    );
  }

  /** Answers `req`, whose body was read already, through graphql-yoga's fetch interface. */
  async function viaFetch(req: IncomingMessage, res: ServerResponse, body: string | undefined): Promise<void> {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    headers.delete("transfer-encoding");
    const response = await yoga.fetch(`http://${req.headers.host ?? "localhost"}${req.url ?? "/graphql"}`, {
      method: req.method ?? "GET",
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) {
      const reader = response.body.getReader();
      res.once("close", () => void reader.cancel().catch(() => {}));
      for (let r = await reader.read(); !r.done; r = await reader.read()) res.write(r.value);
    }
    res.end();
  }

  /**
   * A request asking for an event stream: a valid subscription is served by the shared SSE hub
   * (one execution and one serialized frame per event for every subscriber of the same
   * document and variables); anything else (errors included) by graphql-yoga, given the body.
   */
  async function streamed(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: string | undefined;
    if (req.method === "POST") {
      // Over the bound without an announced length: 413, as for any other request.
      body = await readBody(req).catch(() => undefined);
      if (body === undefined) return tooLarge(res);
    }
    const request = sseRequest(req, body);
    const origin = req.headers.origin;
    const cors: Record<string, string> = origin
      ? { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "Origin" }
      : {};
    if (request && (await sse.serve(request, res, cors))) return;
    await viaFetch(req, res, body);
  }

  const server = createHttpServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/graphql`;
  logger.info({ url }, "GraphQL server listening");
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        shared.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The request body as text (its size is bounded by the caller's content-length check). */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The GraphQL parameters of a POST (JSON body) or GET (query string) request, if well formed. */
function sseRequest(req: IncomingMessage, body: string | undefined): SseRequest | undefined {
  try {
    const raw: Record<string, unknown> =
      body !== undefined
        ? (JSON.parse(body) as Record<string, unknown>)
        : Object.fromEntries(new URL(req.url ?? "/", "http://localhost").searchParams);
    const variables = typeof raw.variables === "string" ? (JSON.parse(raw.variables) as unknown) : raw.variables;
    if (typeof raw.query !== "string") return undefined;
    if (variables != null && (typeof variables !== "object" || Array.isArray(variables))) return undefined;
    if (raw.operationName != null && typeof raw.operationName !== "string") return undefined;
    return {
      query: raw.query,
      variables: (variables as Record<string, unknown> | null | undefined) ?? null,
      operationName: (raw.operationName as string | null | undefined) ?? null,
    };
  } catch {
    return undefined;
  }
}
