import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createYoga, type Plugin } from "graphql-yoga";
import type { Common } from "../common/common.ts";
import type { Database } from "../database/createDatabase.ts";
import { createContext, createSharedCache, type FeedContext } from "../graphql/context.ts";
import { createFeedSchema } from "../graphql/createFeedSchema.ts";
import { boundedErrors } from "../graphql/errors.ts";
import { limitsRule } from "../graphql/limits.ts";
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
  const yoga = createYoga<object, FeedContext>({
    schema: createFeedSchema(common.shutdown.signal),
    graphiql: { title: "dvpn feed" },
    maskedErrors: config.maskErrors,
    landingPage: false,
    batching: false,
    logging: false,
    plugins: [limits, boundedErrors()],
    context: () => createContext(params.db.prisma, config, shared),
  });
  const explorer = createExplorerRoutes(common, params.explorerDir);

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
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metrics.render());
      } else if (!path.startsWith("/graphql") && (await explorer.handle(req, res, path))) {
        route = "explorer";
      } else if (
        Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES ||
        (req.url?.length ?? 0) > MAX_URL_LENGTH
      ) {
        metrics.inc("dvpn_indexer_graphql_errors_total");
        res.writeHead(413, { "content-type": "application/json" }).end(
          JSON.stringify({
            errors: [
              { message: `request too large: at most ${MAX_BODY_BYTES} bytes of body and ${MAX_URL_LENGTH} of URL` },
            ],
          }),
        );
      } else {
        metrics.inc("dvpn_indexer_graphql_requests_total");
        await yoga(req, res);
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
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
