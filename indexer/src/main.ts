/**
 * `npm run indexer`: sync the protocol's events into PostgreSQL (DATABASE_URL) or an embedded
 * PGlite folder, and serve the GraphQL feed.
 *
 * Flags (flag > env > default): --rpc <url>[,<url>...] (DVPN_RPC_URL, default http://127.0.0.1:8545),
 * --deployment <file> (DVPN_DEPLOYMENT, default deployments/<chainId>.json of the RPC's chain),
 * --database-url (DATABASE_URL), --data-dir (DVPN_INDEXER_DATA_DIR), --port (DVPN_INDEXER_PORT,
 * 4350), --host (DVPN_INDEXER_HOST, 127.0.0.1), --confirmations (DVPN_CONFIRMATIONS),
 * --poll-interval-ms (DVPN_POLL_INTERVAL_MS), --finality-depth (DVPN_FINALITY_DEPTH, 64),
 * --block-range / --max-block-range (DVPN_BLOCK_RANGE 10 / DVPN_MAX_BLOCK_RANGE 10000),
 * --log-level (DVPN_LOG_LEVEL, info), --read-only (serve queries, never write),
 * --result-cache-mib (DVPN_RESULT_CACHE_MIB, 16; 0 turns the cache of answers per indexed block off),
 * --pool-size (DVPN_DB_POOL_SIZE, 10: PostgreSQL connections per pool; at most 3 × n + 2 in all).
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { createPublicClient, http } from "viem";
import { createShutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import { createIndexer } from "./createIndexer.ts";

function fail(message: string): never {
  process.stderr.write(`indexer: ${message}\n`);
  process.exit(1);
}

const USAGE = `usage: npm run indexer -- [flags]   (flag > environment > default)
  --rpc <url>[,<url>...]   JSON-RPC endpoints (DVPN_RPC_URL, http://127.0.0.1:8545)
  --deployment <file>      deployment file (DVPN_DEPLOYMENT, deployments/<chainId>.json)
  --database-url <url>     PostgreSQL (DATABASE_URL); without it an embedded PGlite folder
  --data-dir <dir>         PGlite folder (DVPN_INDEXER_DATA_DIR)
  --port <n>, --host <h>   where the feed listens (DVPN_INDEXER_PORT 4350, DVPN_INDEXER_HOST 127.0.0.1)
  --confirmations <n>      blocks behind the head to index (DVPN_CONFIRMATIONS)
  --poll-interval-ms <n>   head polling (DVPN_POLL_INTERVAL_MS)
  --finality-depth <n>     blocks kept for reorgs (DVPN_FINALITY_DEPTH, 64)
  --block-range <n>, --max-block-range <n>   eth_getLogs ranges (DVPN_BLOCK_RANGE 10, DVPN_MAX_BLOCK_RANGE 10000)
  --log-level <level>      DVPN_LOG_LEVEL (info)
  --read-only              serve queries from the database, never write
  --result-cache-mib <n>   answers kept until the next indexed block (DVPN_RESULT_CACHE_MIB 16; 0: off)
  --pool-size <n>          PostgreSQL connections per pool, at most 3 × n + 2 in all (DVPN_DB_POOL_SIZE 10)
More in indexer/README.md.
`;

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        help: { type: "boolean", short: "h" },
        rpc: { type: "string" },
        deployment: { type: "string" },
        "database-url": { type: "string" },
        "data-dir": { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        confirmations: { type: "string" },
        "poll-interval-ms": { type: "string" },
        "read-only": { type: "boolean" },
        "finality-depth": { type: "string" },
        "block-range": { type: "string" },
        "max-block-range": { type: "string" },
        "log-level": { type: "string" },
        "result-cache-mib": { type: "string" },
        "pool-size": { type: "string" },
      },
    });
  } catch (error) {
    return fail(`${(error as Error).message} (see the flags in indexer/README.md)`);
  }
})();

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const num = (name: string, v: string | undefined) => {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) fail(`${name} must be an integer (got ${v})`);
  return n;
};

try {
  const rpcUrl = (values.rpc ?? process.env.DVPN_RPC_URL ?? "http://127.0.0.1:8545").split(",");
  let deployment = values.deployment ?? process.env.DVPN_DEPLOYMENT;
  if (!deployment) {
    const chainId = await createPublicClient({ transport: http(rpcUrl[0]) })
      .getChainId()
      .catch(() => fail(`cannot reach ${rpcUrl[0]}: pass --rpc <url> or set DVPN_RPC_URL`));
    deployment = `deployments/${chainId}.json`;
    if (!existsSync(deployment)) fail(`no ${deployment}: deploy first (npm run deploy) or pass --deployment <file>`);
  }
  const indexer = createIndexer({
    rpcUrl,
    deployment,
    databaseUrl: values["database-url"] ?? process.env.DATABASE_URL,
    dataDir: values["data-dir"] ?? process.env.DVPN_INDEXER_DATA_DIR,
    port: num("--port", values.port ?? process.env.DVPN_INDEXER_PORT),
    host: values.host ?? process.env.DVPN_INDEXER_HOST,
    confirmations: num("--confirmations", values.confirmations ?? process.env.DVPN_CONFIRMATIONS),
    pollIntervalMs: num("--poll-interval-ms", values["poll-interval-ms"] ?? process.env.DVPN_POLL_INTERVAL_MS),
    readOnly: values["read-only"] ?? false,
    finalityDepth: num("--finality-depth", values["finality-depth"] ?? process.env.DVPN_FINALITY_DEPTH),
    initialBlockRange: num("--block-range", values["block-range"] ?? process.env.DVPN_BLOCK_RANGE),
    maxBlockRange: num("--max-block-range", values["max-block-range"] ?? process.env.DVPN_MAX_BLOCK_RANGE),
    logLevel: values["log-level"],
    resultCacheMiB: num("--result-cache-mib", values["result-cache-mib"] ?? process.env.DVPN_RESULT_CACHE_MIB),
    poolSize: num("--pool-size", values["pool-size"] ?? process.env.DVPN_DB_POOL_SIZE),
  });
  // SIGINT/SIGTERM stop the indexer (its last range finishes first) and exit 0.
  const shutdown = createShutdown({
    handleSignals: true,
    signalExitCode: 0,
    timeoutMs: 0,
    log: (line) => process.stderr.write(`indexer: ${line}\n`),
  });
  shutdown.add("indexer", () => indexer.stop());
  await indexer.start();
  // Print the URL on stdout so a parent process can read it.
  process.stdout.write(`${JSON.stringify({ url: indexer.url })}\n`);
  indexer.failed.catch(async (error: unknown) => {
    process.stderr.write(`indexer: ${(error as Error).message}\n`);
    // Set first: the event loop can drain during stop(), and the process must not then exit 0.
    process.exitCode = 1;
    await shutdown.shutdown();
    process.exit(1);
  });
} catch (error) {
  fail((error as Error).message);
}
