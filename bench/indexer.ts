/**
 * `npm run bench:indexer [-- --quick]`: indexer figures on this machine, measured, not asserted.
 *
 * 1. Backfill: a `hardhat node` with the protocol deployed and N Heartbeat events (contract
 *    providers that heartbeat hundreds of times per transaction, so blocks are dense enough to
 *    trip viem's 10 MiB response limit and exercise range splitting). Measured: the raw
 *    eth_getLogs rate over the same blocks from the same node (the baseline, in the same run),
 *    then a full index from scratch into PostgreSQL and into PGlite: events per second.
 * 2. GraphQL: a PostgreSQL database populated directly with P providers, S sessions and 24
 *    hourly buckets per provider; a read-only indexer serves it; autocannon measures p50/p99
 *    latency and throughput of a providers query (filters, order by score, first 50, with
 *    reputation and availability) and of a sessions-by-provider query.
 *
 * Full: N = 100,000 events, P = 10,000, S = 1,000,000. Quick: N = 10,000, P = 1,000, S = 20,000.
 * Prints the JSON and writes bench/results/indexer.json (DVPN_BENCH_RESULTS_DIR when set,
 * bench/results/quick/ for --quick). Needs the local PostgreSQL.
 */
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  toHex,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { deployProtocol } from "../scripts/deploy/deployProtocol.ts";
import { startLocalChain } from "../scripts/lib/localChain.ts";
import { dvpnTokenAbi } from "../sdk/src/abi/index.ts";
import { createIndexer } from "../indexer/src/createIndexer.ts";
import { createTestDatabase, type TestDatabase } from "../indexer/src/testing/postgres.ts";
import { parseFlags } from "./lib/args.ts";
import { resultsDir, writeJson } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";
import type { Series } from "./lib/series.ts";

/** The part of autocannon's result this benchmark reads (the package ships no types). */
interface AutocannonResult {
  latency: { p50: number; p99: number };
  requests: { average: number; total: number };
  errors: number;
  non2xx: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  options: Record<string, unknown>,
) => Promise<AutocannonResult>;

const flags = parseFlags({ quick: { type: "boolean" } });
const quick = flags.quick === true || process.env.DVPN_BENCH_QUICK === "1";
const SIZES = quick
  ? { events: 10_000, beaters: 4, perTx: 2500, providers: 1_000, sessions: 20_000, duration: 3, connections: 8 }
  : {
      events: 100_000,
      beaters: 20,
      perTx: 2500,
      providers: 10_000,
      sessions: 1_000_000,
      duration: 10,
      connections: 16,
    };
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
/** Cleanups run on SIGTERM/SIGINT too (the bench orchestrator stops an overrunning benchmark). */
const cleanups = new Set<() => Promise<void>>();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void Promise.allSettled([...cleanups].map((fn) => fn())).then(() => process.exit(143));
  });
}
const log = (line: string) => process.stderr.write(`[bench:indexer] ${line}\n`);

const BEATER_SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
interface IRegistry {
  function register(string calldata, bytes32, bytes2, uint96, uint96, uint32, uint128) external;
  function heartbeat() external;
}
interface IToken { function approve(address, uint256) external returns (bool); }
/// A provider that is a contract, so one transaction can emit many Heartbeat events.
contract Beater {
  function setup(address token, address registry, uint128 stake, bytes32 key, bytes2 region) external {
    IToken(token).approve(registry, type(uint256).max);
    IRegistry(registry).register("bench.example:51820", key, region, 50000, 1000, 10, stake);
  }
  function beat(address registry, uint256 n) external {
    for (uint256 i = 0; i < n; ++i) IRegistry(registry).heartbeat();
  }
}`;

function compileBeater(): { abi: Abi; bytecode: Hex } {
  const require = createRequire(import.meta.url);
  const solc = require("solc") as { compile(input: string): string };
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "Beater.sol": { content: BEATER_SOURCE } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  ) as {
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
    errors?: { severity: string; message: string }[];
  };
  const errors = out.errors?.filter((e) => e.severity === "error") ?? [];
  if (errors.length) throw new Error(errors.map((e) => e.message).join("\n"));
  const c = out.contracts["Beater.sol"]!.Beater!;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

async function backfill() {
  const chain = await startLocalChain();
  const dirs: string[] = [];
  const dbs: TestDatabase[] = [];
  const cleanup = async () => {
    await chain.stop();
    for (const d of dbs) await d.drop().catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  cleanups.add(cleanup);
  try {
    const def = defineChain({
      id: chain.chainId,
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    });
    const publicClient = createPublicClient({ chain: def, transport: http(chain.url) });
    const accounts = ((await publicClient.request({ method: "eth_accounts" as never })) as Address[]).map((a) =>
      getAddress(a),
    );
    const wallet = createWalletClient({ chain: def, transport: http(chain.url), account: accounts[0]! });
    const deployment = await deployProtocol({ publicClient: publicClient as never, walletClient: wallet as never });
    const { abi, bytecode } = compileBeater();
    const registry = deployment.contracts.ProviderRegistry.address;
    const beaters: Address[] = [];
    const wait = async (hash: Hex) => {
      const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      if (r.status !== "success") throw new Error(`transaction failed: ${hash}`);
      return r;
    };
    for (let i = 0; i < SIZES.beaters; i++) {
      const r = await wait(await wallet.deployContract({ abi, bytecode, account: accounts[0]!, chain: def }));
      const beater = r.contractAddress!;
      await wait(
        await wallet.writeContract({
          address: deployment.contracts.DVPNToken.address,
          abi: dvpnTokenAbi,
          functionName: "transfer",
          args: [beater, 2000n * 10n ** 18n],
          account: accounts[0]!,
          chain: def,
        }),
      );
      await wait(
        await wallet.writeContract({
          address: beater,
          abi,
          functionName: "setup",
          args: [
            deployment.contracts.DVPNToken.address,
            registry,
            2000n * 10n ** 18n,
            toHex(i + 1, { size: 32 }),
            toHex(["DE", "US", "FR", "JP"][i % 4]!, { size: 2 }),
          ],
          account: accounts[0]!,
          chain: def,
        }),
      );
      beaters.push(beater);
    }
    const started = Date.now();
    let emitted = 0;
    for (let i = 0; emitted < SIZES.events; i++) {
      const n = Math.min(SIZES.perTx, SIZES.events - emitted);
      await wait(
        await wallet.writeContract({
          address: beaters[i % beaters.length]!,
          abi,
          functionName: "beat",
          args: [registry, BigInt(n)],
          account: accounts[0]!,
          chain: def,
          gas: 16_000_000n,
        }),
      );
      emitted += n;
    }
    // Empty blocks after the events, so all of them are behind the finality depth: backfilled.
    for (let i = 0; i < 10; i++) await publicClient.request({ method: "evm_mine" as never });
    const head = Number(await publicClient.getBlockNumber());
    log(
      `${emitted} heartbeat events in ${head - deployment.startBlock + 1} blocks (generated in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    const totalEvents = emitted + SIZES.beaters + 4 + 3 + 4; // + registrations and constructor parameter events

    // Baseline: the raw eth_getLogs rate over the same blocks, same node, with the same range splitting.
    const { createLogFetcher } = await import("../indexer/src/sync-historical/createLogFetcher.ts");
    const { createRpc } = await import("../indexer/src/sync-historical/createRpc.ts");
    const { createCommon } = await import("../indexer/src/common/common.ts");
    const { createConfig } = await import("../indexer/src/config/createConfig.ts");
    let rawLogs = 0;
    const rawRun = async () => {
      const common = createCommon(createConfig({ rpcUrl: chain.url, deployment, logLevel: "silent" }));
      const fetcher = createLogFetcher(common, createRpc(common), [
        registry,
        deployment.contracts.SessionEscrow.address,
        deployment.contracts.DVPNGovernor.address,
      ]);
      const t0 = performance.now();
      let logs = 0;
      for (let from = deployment.startBlock; from <= head;) {
        const r = await fetcher.fetch(from, head);
        logs += r.logs.length;
        from = r.toBlock + 1;
      }
      rawLogs = logs;
      return logs / ((performance.now() - t0) / 1000);
    };

    const runIndex = async (kind: "postgres" | "pglite") => {
      let databaseUrl: string | undefined;
      let dataDir: string | undefined;
      if (kind === "postgres") {
        const db = await createTestDatabase("dvpn_indexer_bench");
        dbs.push(db);
        databaseUrl = db.url;
      } else {
        dataDir = mkdtempSync(join(tmpdir(), "dvpn-bench-idx-"));
        dirs.push(dataDir);
      }
      const indexer = createIndexer({
        rpcUrl: chain.url,
        deployment,
        databaseUrl,
        dataDir,
        port: 0,
        logLevel: "silent",
        finalityDepth: 8,
        pollIntervalMs: 200,
      });
      const t0 = performance.now();
      await indexer.start();
      await indexer.ready;
      const seconds = (performance.now() - t0) / 1000;
      const count = await indexer.prisma.heartbeat.count();
      await indexer.stop();
      return { seconds: round(seconds, 3), eventsPerSecond: round(rawLogs / seconds, 1), heartbeatRows: count };
    };
    // Interleaved rounds: raw fetch, index into PostgreSQL, index into PGlite; each index run is
    // compared with the raw run of its own round (the machine is shared and its load drifts).
    const rounds = quick ? 1 : 3;
    const rawRates: number[] = [];
    const pgRuns: Awaited<ReturnType<typeof runIndex>>[] = [];
    const liteRuns: Awaited<ReturnType<typeof runIndex>>[] = [];
    for (let r = 0; r < rounds; r++) {
      rawRates.push(await rawRun());
      pgRuns.push(await runIndex("postgres"));
      liteRuns.push(await runIndex("pglite"));
      log(
        `round ${r + 1}/${rounds}: raw ${round(rawRates[r]!)} ev/s, postgres ${pgRuns[r]!.eventsPerSecond}, pglite ${liteRuns[r]!.eventsPerSecond}`,
      );
    }
    const raw = summarize(rawRates);
    const figure = (runs: typeof pgRuns) => {
      const rate = summarize(runs.map((x) => x.eventsPerSecond));
      const paired = summarize(runs.map((x, i) => x.eventsPerSecond / rawRates[i]!));
      return {
        eventsPerSecond: { median: round(rate.median, 1), min: round(rate.min, 1), max: round(rate.max, 1) },
        secondsPerRun: runs.map((x) => x.seconds),
        heartbeatRows: runs[0]!.heartbeatRows,
        ofRawRate: { median: round(paired.median, 3), min: round(paired.min, 3), max: round(paired.max, 3) },
      };
    };
    const postgres = figure(pgRuns);
    const pglite = figure(liteRuns);
    return {
      events: rawLogs,
      expectedEvents: totalEvents,
      blocks: head - deployment.startBlock + 1,
      eventsPerBlock: SIZES.perTx,
      rawGetLogsEventsPerSecond: {
        median: round(raw.median, 1),
        min: round(raw.min, 1),
        max: round(raw.max, 1),
        runs: rawRates.length,
      },
      postgres,
      pglite,
      notes:
        "Backfill from scratch to caught-up (including start-up and migrations) with finality depth 8; each range is decoded, applied and written with its rollups and checkpoint in one transaction. The raw rate only fetches logs over the same blocks.",
    };
  } finally {
    cleanups.delete(cleanup);
    await cleanup();
  }
}

async function populate(url: string, now: number) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { createDatabase } = await import("../indexer/src/database/createDatabase.ts");
    const { createConfig } = await import("../indexer/src/config/createConfig.ts");
    const { createLogger } = await import("../indexer/src/common/logger.ts");
    const db = await createDatabase({
      config: createConfig({
        rpcUrl: "http://127.0.0.1:1",
        deployment: fakeDeployment(),
        databaseUrl: url,
        logLevel: "silent",
      }),
      logger: createLogger("silent"),
    });
    await db.close();
    const P = SIZES.providers;
    await client.query(
      `
      INSERT INTO providers SELECT
        '0x' || lpad(to_hex(g), 40, '0'), 'p' || g || '.example:51820', '0x' || lpad(to_hex(g), 64, '0'),
        (ARRAY['DE','US','FR','NL','JP','SG','BR','GB'])[1 + g % 8],
        (10000 + (g * 7919) % 90000)::numeric, (g % 1000)::numeric, 10 + g % 40, g % 20, true,
        (1000 + g % 5000)::numeric * 1000000000000000000, 0, 0, g % 50 = 0, true,
        $1::int - 86400 * 3, 100, $1::int - (g % 1500), $1::int - (g % 1500) + 900, 200,
        g % 300, g % 280, g % 20, g % 250, g % 240, g % 230, (g::numeric * 1073741824), 0, (g::numeric * 1000000), 0, 0, 0,
        '{"3": 10, "5": 4}'::jsonb, (g * 37 % 10000) / 100.0, $1::int, 100
      FROM generate_series(1, ${P}) g`,
      [now],
    );
    await client.query(
      `
      INSERT INTO provider_hours SELECT '0x' || lpad(to_hex(g), 40, '0'), ($1::int / 3600) * 3600 - h * 3600, 3000 + g % 600, 12, g % 5, 1073741824, 1000000
      FROM generate_series(1, ${P}) g, generate_series(0, 23) h`,
      [now],
    );
    await client.query(
      `
      INSERT INTO sessions SELECT g, '0x' || lpad(to_hex(1 + g % ${P}), 40, '0'), '0x' || lpad(to_hex(100000 + g % 5000), 40, '0'),
        '0x' || lpad(to_hex(100000 + g % 5000), 40, '0'), '0x' || lpad(to_hex(g), 64, '0'),
        (ARRAY['Pending','Active','Closing','Closed'])[1 + g % 4], CASE WHEN g % 4 = 3 THEN 'Settled' END,
        10000000, 50000, 1000, 250, $1::int - 1000, $1::int - 2000 - g % 100000, 100, $1::int - 1990 - g % 100000, '10.0.0.1/32',
        NULL, NULL, NULL, NULL, (g % 1000)::numeric * 1048576, g % 3600, (g % 5000)::numeric, 0, NULL, g % 3, $1::int, 100
      FROM generate_series(1, ${SIZES.sessions}) g`,
      [now],
    );
    await client.query(
      `INSERT INTO parameters VALUES ('minStake', 'ProviderRegistry', 1000000000000000000000, 0, 1), ('heartbeatTimeout', 'ProviderRegistry', 900, 0, 1), ('acceptTimeout', 'SessionEscrow', 300, 0, 1)`,
    );
    await client.query(
      `INSERT INTO checkpoint VALUES (1, 31337, '0x0000000000000000000000000000000000000002', 100, '0x00', $1, 100, $1, 0)`,
      [now],
    );
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}

function fakeDeployment() {
  const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
  return {
    chainId: 31337,
    startBlock: 1,
    deployer: a(1),
    contracts: {
      ProviderRegistry: { address: a(2), blockNumber: 1 },
      SessionEscrow: { address: a(3), blockNumber: 1 },
      DVPNGovernor: { address: a(4), blockNumber: 1 },
    },
    parameters: { tokenSupply: "1000000000000000000000000000" },
  } as never;
}

async function load(url: string, query: string) {
  const body = JSON.stringify({ query });
  const run = (duration: number) =>
    autocannon({
      url,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      connections: SIZES.connections,
      duration,
    });
  await run(1); // warm-up
  const r = await run(SIZES.duration);
  return {
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requestsPerSecond: round(r.requests.average, 1),
    errors: r.errors + r.non2xx,
    requests: r.requests.total,
  };
}

async function graphql() {
  const db = await createTestDatabase("dvpn_indexer_bench");
  const drop = () => db.drop();
  cleanups.add(drop);
  try {
    const now = Math.floor(Date.now() / 1000);
    const t0 = performance.now();
    await populate(db.url, now);
    const populateSeconds = (performance.now() - t0) / 1000;
    const indexer = createIndexer({
      rpcUrl: "http://127.0.0.1:1",
      deployment: fakeDeployment(),
      databaseUrl: db.url,
      port: 0,
      logLevel: "silent",
      readOnly: true,
    });
    await indexer.start();
    try {
      const providersQuery = `{ providers(where: { available: true, region: "DE", maxPricePerGiB: "80000" }, orderBy: score, orderDirection: desc, first: 50) {
        items { id endpoint region pricePerGiB pricePerMinute stake reputation { score uptime24h acceptanceRate sessionsCompleted } availability { available activeSessions capacity lastHeartbeat } }
        totalCount pageInfo { hasNextPage endCursor } } }`;
      const check = (await (
        await fetch(indexer.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: providersQuery }),
        })
      ).json()) as { data?: { providers: { totalCount: number } }; errors?: unknown };
      if (!check.data) throw new Error(`providers query failed: ${JSON.stringify(check.errors)}`);
      const sessionsQuery = `{ sessions(where: { provider: "0x${(17).toString(16).padStart(40, "0")}", status: Active }, orderBy: openedAt, orderDirection: desc, first: 20) { items { id status paid claimedBytes } totalCount } }`;
      // Baseline in the same run: the cheapest query (server, HTTP and GraphQL overhead only).
      const baseline = await load(indexer.url, "{ _meta { chainId } }");
      const providers = await load(indexer.url, providersQuery);
      const sessions = await load(indexer.url, sessionsQuery);
      return {
        providersInDb: SIZES.providers,
        sessionsInDb: SIZES.sessions,
        populateSeconds: round(populateSeconds, 1),
        matchingProviders: check.data.providers.totalCount,
        connections: SIZES.connections,
        durationSeconds: SIZES.duration,
        baselineMetaQuery: baseline,
        providersQuery: {
          ...providers,
          throughputOfBaseline: round(providers.requestsPerSecond / baseline.requestsPerSecond, 4),
        },
        sessionsByProviderQuery: {
          ...sessions,
          throughputOfBaseline: round(sessions.requestsPerSecond / baseline.requestsPerSecond, 4),
        },
        notes:
          "autocannon runs on the same 2-core machine as the server and PostgreSQL; the baseline is the cheapest query measured the same way in the same run.",
      };
    } finally {
      await indexer.stop();
    }
  } finally {
    cleanups.delete(drop);
    await db.drop();
  }
}

const started = Date.now();
const loadAtStart = loadavg().map((x) => round(x, 2));
const backfillResult = await backfill();
log(
  `backfill: raw ${backfillResult.rawGetLogsEventsPerSecond.median} ev/s, postgres ${backfillResult.postgres.eventsPerSecond.median} ev/s, pglite ${backfillResult.pglite.eventsPerSecond.median} ev/s`,
);
const graphqlResult = await graphql();
log(
  `graphql: providers p50 ${graphqlResult.providersQuery.p50Ms} ms p99 ${graphqlResult.providersQuery.p99Ms} ms, ${graphqlResult.providersQuery.requestsPerSecond} req/s`,
);

const series: Series[] = [
  {
    id: "indexer-backfill",
    title: "Indexer backfill vs raw eth_getLogs (same node, same run)",
    x: { label: "events" },
    y: { label: "events per second" },
    higherIsBetter: true,
    xIsWork: true,
    referenceGroups: ["raw eth_getLogs"],
    source: "indexer",
    points: [
      {
        group: "raw eth_getLogs",
        x: backfillResult.events,
        median: backfillResult.rawGetLogsEventsPerSecond.median,
        min: backfillResult.rawGetLogsEventsPerSecond.min,
        max: backfillResult.rawGetLogsEventsPerSecond.max,
      },
      { group: "index into PostgreSQL", x: backfillResult.events, ...backfillResult.postgres.eventsPerSecond },
      { group: "index into PGlite", x: backfillResult.events, ...backfillResult.pglite.eventsPerSecond },
    ],
  },
];
const result = {
  benchmark: "indexer",
  quick,
  date: new Date().toISOString(),
  seconds: round((Date.now() - started) / 1000, 1),
  machine: {
    cores: cpus().length,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((x) => round(x, 2)),
  },
  backfill: backfillResult,
  graphql: graphqlResult,
  series,
};
writeJson(join(resultsDir(quick), "indexer.json"), result);
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
