import { z } from "zod";
import { loadDeployment } from "../../../sdk/src/deployment/loadDeployment.ts";
import type { Deployment } from "../../../sdk/src/deployment/types.ts";
import { DvpnError } from "../../../sdk/src/errors/base.ts";
import { ConfigError } from "../common/errors.ts";
import { DEFAULT_WRITE_METHOD, type WriteMethod } from "../database/writeMethod.ts";
import { DEFAULT_INITIAL_BLOCK_RANGE, DEFAULT_MAX_BLOCK_RANGE } from "../../../sdk/src/events/createLogFetcher.ts";

/** Options of {@link createIndexer}; each documents its default. */
export interface IndexerParams {
  /** JSON-RPC URL, or several (used in order with viem's fallback transport). */
  rpcUrl: string | string[];
  /** The deployment record, or the path of a deployments/<chainId>.json file. */
  deployment: Deployment | string;
  /** PostgreSQL URL. When omitted an embedded PGlite database in `dataDir` is used. */
  databaseUrl?: string | undefined;
  /** PGlite folder (default `.data/indexer-<chainId>`); ignored with `databaseUrl`. */
  dataDir?: string | undefined;
  /** HTTP port of the GraphQL server (default 4350; 0 picks a free port). */
  port?: number | undefined;
  /** HTTP host (default 127.0.0.1). */
  host?: string | undefined;
  /** Blocks behind the chain head the indexer stays (default 0 on chain 31337, else 5). */
  confirmations?: number | undefined;
  /** How often to poll the head (default 1000 ms). */
  pollIntervalMs?: number | undefined;
  /** Unfinalized blocks kept (hashes and undo journal) below the indexed tip (default 64). */
  finalityDepth?: number | undefined;
  /** First eth_getLogs range in blocks (default 10, see `DEFAULT_INITIAL_BLOCK_RANGE`); it shrinks on errors and grows on success. */
  initialBlockRange?: number | undefined;
  /** Largest eth_getLogs range (default 10000). */
  maxBlockRange?: number | undefined;
  /**
   * How each block range's rows are written (default "bulk": one array parameter per column,
   * table and range; "rows": one parameter per value, 400 rows per statement). Same rows either way.
   */
  writeMethod?: WriteMethod | undefined;
  /** pino log level (default "info", or DVPN_LOG_LEVEL). */
  logLevel?: string | undefined;
  /** Serve GraphQL without indexing (a reader instance), default false. */
  readOnly?: boolean | undefined;
  /** GraphQL limits. */
  maxDepth?: number | undefined;
  maxAliases?: number | undefined;
  maxCost?: number | undefined;
  /** Mask unexpected errors in GraphQL answers (default true). */
  maskErrors?: boolean | undefined;
  /**
   * MiB of query answers kept until the next indexed block (default 16; 0 turns the cache off),
   * counted as the length of their JSON text. See `graphql/resultCache.ts`.
   */
  resultCacheMiB?: number | undefined;
  /**
   * PostgreSQL connections per pool (default 10, 1–100). An instance has three: Prisma's (writes
   * and most reads), the feed's reader and the reader's pool for generically planned statements,
   * plus the LISTEN and writer-lock connections, so it opens at most 3 × poolSize + 2.
   */
  poolSize?: number | undefined;
}

export interface Config {
  rpcUrls: string[];
  deployment: Deployment;
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  confirmations: number;
  pollIntervalMs: number;
  finalityDepth: number;
  initialBlockRange: number;
  maxBlockRange: number;
  writeMethod: WriteMethod;
  logLevel: string;
  readOnly: boolean;
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxPageSize: number;
  maskErrors: boolean;
  resultCacheMiB: number;
  poolSize: number;
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  startBlock: z.number().int().nonnegative(),
  contracts: z.object({
    ProviderRegistry: z.object({ address, blockNumber: z.number().int() }),
    SessionEscrow: z.object({ address, blockNumber: z.number().int() }),
    DVPNGovernor: z.object({ address, blockNumber: z.number().int() }),
  }),
  parameters: z.object({ tokenSupply: z.string() }),
});

/** The record given, or read from its file by the SDK's one loader; then checked for what the indexer reads. */
function resolveDeployment(value: Deployment | string): Deployment {
  let raw: unknown = value;
  if (typeof value === "string") {
    try {
      raw = loadDeployment({ file: value, contracts: ["ProviderRegistry", "SessionEscrow", "DVPNGovernor"] });
    } catch (cause) {
      const reason = cause instanceof DvpnError ? cause.shortMessage : String(cause);
      throw new ConfigError(
        `cannot read the deployment file ${value}: pass --deployment <path> (see npm run deploy); ${reason}`,
        {
          cause,
        },
      );
    }
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid deployment record: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`,
    );
  }
  return raw as Deployment;
}

function int(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got ${String(value)})`);
  }
  return v;
}

function writeMethod(value: string | undefined): WriteMethod {
  const v = value ?? DEFAULT_WRITE_METHOD;
  if (v !== "bulk" && v !== "rows") throw new ConfigError(`writeMethod must be "bulk" or "rows" (got ${v})`);
  return v;
}

/** Validates the options once, applies defaults and returns the immutable config. */
export function createConfig(params: IndexerParams): Config {
  const rpcUrls = (Array.isArray(params.rpcUrl) ? params.rpcUrl : [params.rpcUrl]).filter((u) => u);
  if (rpcUrls.length === 0) throw new ConfigError("no RPC URL: pass --rpc <url> or set DVPN_RPC_URL");
  for (const url of rpcUrls) {
    if (!/^(https?|wss?):\/\//.test(url))
      throw new ConfigError(`RPC URL must start with http(s):// or ws(s):// (got ${url})`);
  }
  const deployment = resolveDeployment(params.deployment);
  if (params.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(params.databaseUrl)) {
    throw new ConfigError("DATABASE_URL must be a postgresql:// URL (leave it unset for the embedded PGlite database)");
  }
  const confirmations = int("confirmations", params.confirmations, deployment.chainId === 31337 ? 0 : 5, 0, 1000);
  return {
    rpcUrls,
    deployment,
    databaseUrl: params.databaseUrl,
    dataDir: params.dataDir ?? `.data/indexer-${deployment.chainId}`,
    port: int("port", params.port, 4350, 0, 65535),
    host: params.host ?? "127.0.0.1",
    confirmations,
    pollIntervalMs: int("pollIntervalMs", params.pollIntervalMs, 1000, 10),
    finalityDepth: int("finalityDepth", params.finalityDepth, 64, 1, 100_000),
    initialBlockRange: int("initialBlockRange", params.initialBlockRange, DEFAULT_INITIAL_BLOCK_RANGE, 1),
    maxBlockRange: int("maxBlockRange", params.maxBlockRange, DEFAULT_MAX_BLOCK_RANGE, 1),
    writeMethod: writeMethod(params.writeMethod),
    logLevel: params.logLevel ?? process.env.DVPN_LOG_LEVEL ?? "info",
    readOnly: params.readOnly ?? false,
    maxDepth: int("maxDepth", params.maxDepth, 10, 2, 100),
    maxAliases: int("maxAliases", params.maxAliases, 30, 1, 1000),
    maxCost: int("maxCost", params.maxCost, 100_000, 1),
    maxPageSize: 1000,
    maskErrors: params.maskErrors ?? true,
    resultCacheMiB: int("resultCacheMiB", params.resultCacheMiB, 16, 0, 4096),
    poolSize: int("poolSize", params.poolSize, 10, 1, 100),
  };
}
