/**
 * The network explorer's files (a static web app built by `npm run build:web` into
 * indexer/explorer/dist) served at `/` beside `/graphql`, and `/explorer.json`: what the page
 * needs that the feed does not carry (the deployment record and the two tokens' symbols and
 * decimals, read once from the chain).
 */
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { createPublicClient, erc20Abi, http, type Address } from "viem";
import type { Common } from "../common/common.ts";

/** Where `npm run build:web` writes the explorer. */
export const EXPLORER_DIST = join(import.meta.dirname, "../../explorer/dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".map": "application/json",
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>dvpn explorer</title>
<p>The explorer is not built. Run <code>npm run build:web</code> and reload; the GraphQL feed is at
<a href="/graphql">/graphql</a>.</p>`;

/** Serves the explorer; `handle` answers true when the request was one of its paths. */
export interface ExplorerRoutes {
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
}

/**
 * Creates the explorer's routes: `/` (index.html), `/assets/*` (hashed, cached for a year),
 * other files at the top of the build folder, and `/explorer.json`.
 * @param common the indexer's config (deployment, RPC) and logger.
 * @param dir the build folder (default {@link EXPLORER_DIST}).
 */
export function createExplorerRoutes(common: Common, dir: string = EXPLORER_DIST): ExplorerRoutes {
  const root = normalize(dir);
  let info: Promise<string> | undefined;

  async function tokenInfo(address: Address) {
    const client = createPublicClient({ transport: http(common.config.rpcUrls[0], { retryCount: 1, timeout: 5_000 }) });
    const [symbol, decimals] = await Promise.all([
      client.readContract({ address, abi: erc20Abi, functionName: "symbol" }),
      client.readContract({ address, abi: erc20Abi, functionName: "decimals" }),
    ]);
    return { symbol, decimals };
  }

  function explorerJson(): Promise<string> {
    info ??= (async () => {
      const d = common.config.deployment;
      const [token, paymentToken] = await Promise.all([
        tokenInfo(d.contracts.DVPNToken.address),
        tokenInfo(d.contracts.PaymentToken.address),
      ]);
      return JSON.stringify({ chainId: d.chainId, deployment: d, token, paymentToken });
    })();
    info.catch(() => (info = undefined));
    return info;
  }

  async function sendFile(res: ServerResponse, file: string, cache: string): Promise<boolean> {
    const s = await stat(file).catch(() => undefined);
    if (!s?.isFile()) return false;
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": cache,
      "x-content-type-options": "nosniff",
    });
    res.end(await readFile(file));
    return true;
  }

  return {
    async handle(req, res, path) {
      if (req.method !== "GET" && req.method !== "HEAD") return false;
      if (path === "/explorer.json") {
        try {
          const body = await explorerJson();
          res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache" }).end(body);
        } catch (error) {
          common.logger.warn({ err: (error as Error).message }, "explorer: cannot read the tokens");
          res
            .writeHead(502, { "content-type": "application/json" })
            .end(JSON.stringify({ error: "cannot read the tokens' symbols from the chain" }));
        }
        return true;
      }
      if (path === "/" || path === "/index.html") {
        if (!(await sendFile(res, join(root, "index.html"), "no-cache"))) {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(NOT_BUILT);
        }
        return true;
      }
      if (!/^\/[\w./-]+$/.test(path) || path.includes("..")) return false;
      const file = normalize(join(root, path));
      if (!file.startsWith(root + sep)) return false;
      const cache = path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
      return sendFile(res, file, cache);
    },
  };
}
