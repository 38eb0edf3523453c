/**
 * `npm run bench:indexer [-- --quick]`: indexer figures on this machine at several sizes,
 * measured, not asserted.
 *
 * 1. Backfill at N events: one `hardhat node` with the protocol deployed and contract providers
 *    that heartbeat 2,500 times per transaction (blocks dense enough to trip viem's 10 MiB
 *    response limit and exercise range splitting). The chain grows: events are emitted up to the
 *    first size, measured, then emitted up to the next size, measured again. At each size,
 *    interleaved rounds of: the raw eth_getLogs rate over the same blocks from the same node (the
 *    baseline), a full index from scratch into PostgreSQL, and one into PGlite; each index run is
 *    compared with the raw rate of its own round.
 * 2. GraphQL at P providers: a fresh PostgreSQL database populated directly with P providers,
 *    10 sessions per provider, 24 hourly buckets per provider and 24 per region; a read-only
 *    indexer serves it; autocannon (C connections) measures p50/p99 latency and requests/s of
 *    the server's own ceiling (`{ __typename }`, no resolver, no database) and of the providers
 *    list, provider(id), networkStats and sessions-by-provider queries, in interleaved rounds,
 *    each query compared with the ceiling of its own round.
 *
 * Full: N = 10k, 100k, 1M events (3, 3, 2 rounds); P = 1k, 10k, 100k (3 rounds of 5 s per
 * query). Quick: N = 2k, 10k (1 round); P = 100, 1k (1 round of 1 s). A discarded warm-up
 * precedes the measured runs at every size. Prints the JSON and writes bench/results/indexer.json
 * (DVPN_BENCH_RESULTS_DIR when set, bench/results/quick/ for --quick) with `series` for the
 * charts and growth sentences, rewritten after every size and round (`complete: false` until the
 * end), so a run stopped halfway keeps what it measured. `--part backfill|graphql` runs one part
 * and takes the other from the result file of an earlier run of the same mode (`reused` says
 * which and when). Needs the local PostgreSQL.
 */
import { createRequire } from "node:module";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
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
import { createTestDatabase } from "../indexer/src/testing/postgres.ts";
import { parseFlags } from "./lib/args.ts";
import { indexerSeries } from "./lib/indexerSeries.ts";
import { machineInfo } from "./lib/machine.ts";
import { resultsDir, writeJson } from "./lib/results.ts";
import { round, summarize, type Summary } from "./lib/stats.ts";

/** The part of autocannon's result this benchmark reads (the package ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
/** autocannon's run: a thenable that emits each response with its latency in ms (fractional). */
type AutocannonRun = PromiseLike<AutocannonResult> & {
  on(event: "response", fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => AutocannonRun;

const flags = parseFlags({ quick: { type: "boolean" }, part: { type: "string" } });
const quick = flags.quick === true || process.env.DVPN_BENCH_QUICK === "1";
if (flags.part !== undefined && flags.part !== "backfill" && flags.part !== "graphql") {
  process.stderr.write(`--part must be "backfill" or "graphql" (got ${JSON.stringify(flags.part)})\n`);
  process.exit(2);
}
/** With --part, only that part runs; the other is taken from the result file of an earlier run. */
const part = flags.part as "backfill" | "graphql" | undefined;
/** Sizes and run lengths; `rounds[i]` measured rounds at `events[i]`. */
const CONFIG = quick
  ? {
      events: [2_000, 10_000],
      backfillRounds: [1, 1],
      /** PGlite's cold start alone takes seconds: quick runs index into PostgreSQL only. */
      pglite: false,
      beaters: 2,
      perTx: 2500,
      providers: [100, 1_000],
      sessionsPerProvider: 10,
      graphqlRounds: 1,
      /** Warm-up per query: a number of requests (quick) or seconds (full). */
      warmup: { amount: 50 },
      seconds: 1,
      connections: 8,
    }
  : {
      events: [10_000, 100_000, 1_000_000],
      backfillRounds: [3, 3, 2],
      pglite: true,
      beaters: 20,
      perTx: 2500,
      providers: [1_000, 10_000, 100_000],
      sessionsPerProvider: 10,
      graphqlRounds: 3,
      warmup: { duration: 2 },
      seconds: 5,
      connections: 16,
    };
/** Cleanups run on SIGTERM/SIGINT too (the bench orchestrator stops an overrunning benchmark). */
const cleanups = new Set<() => Promise<void>>();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void Promise.allSettled([...cleanups].map((fn) => fn())).then(() => process.exit(143));
  });
}
const t00 = performance.now();
const log = (line: string) =>
  process.stderr.write(`[bench:indexer] ${((performance.now() - t00) / 1000).toFixed(1)} s: ${line}\n`);
/** A summary rounded for publication (4 significant digits), without the run list. */
const pub = (s: Summary, digits = 4) => ({
  median: round(s.median, digits),
  min: round(s.min, digits),
  max: round(s.max, digits),
  n: s.n,
  values: s.values.map((v) => round(v, digits)),
});
type Pub = ReturnType<typeof pub>;
type BackfillFigures = {
  eventsPerTransaction: number;
  providers: number;
  finalityDepth: number;
  sizes: BackfillSize[];
  notes: string;
};

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

/**
 * Resident memory in MiB of the largest process whose command line holds `--port <port>` (the
 * hardhat node of this run), or null when /proc cannot tell.
 */
function rssMiBOfPort(port: number): number | null {
  let best: number | null = null;
  try {
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        const i = args.indexOf("--port");
        if (i < 0 || args[i + 1] !== String(port) || !args.includes("node")) continue;
        const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
        if (kb) best = Math.max(best ?? 0, Math.round(Number(kb) / 1024));
      } catch {
        /* the process ended meanwhile */
      }
    }
  } catch {
    return null;
  }
  return best;
}

/**
 * The first eth_getLogs range of the raw fetch and of the indexer (both adapt from there, with
 * the same fetcher). Blocks here hold 2,500 logs (≈ 1.4 MB), so 4 blocks stay under viem's
 * 10 MiB response limit, as an operator would configure for a chain this dense; the default (10)
 * would cost one refused request first. (The old default of 2,000 blocks asked a 1M-event node
 * for a ≈ 560 MB answer, beyond the longest string V8 can build, and the node died.)
 */
const INITIAL_BLOCK_RANGE = 4;

/** One measured round at one size: the raw rate and both index runs. */
interface BackfillRound {
  rawEventsPerSecond: number;
  postgres: IndexRun;
  pglite?: IndexRun;
}
interface IndexRun {
  seconds: number;
  eventsPerSecond: number;
  heartbeatRows: number;
  stageSeconds: Record<string, number>;
}

/** The figures at one size of the backfill. */
interface BackfillSize {
  heartbeats: number;
  events: number;
  blocks: number;
  transactions: number;
  emitSeconds: number;
  nodeRssMiB: number | null;
  nodeRssPeakMiB: number | null;
  rounds: number;
  rawGetLogsEventsPerSecond: Pub;
  postgres: IndexFigures;
  pglite: IndexFigures | null;
}
/** The backfill stages the indexer times (`dvpn_indexer_backfill_seconds_total`). */
const STAGES = ["fetch", "decode", "apply", "write"] as const;
interface IndexFigures {
  eventsPerSecond: Pub;
  seconds: Pub;
  ofRawRate: Pub;
  heartbeatRows: number;
  stageShare: Record<string, Pub>;
  stageEventsPerSecond: Record<string, Pub>;
}

async function backfill(onProgress: (figures: BackfillFigures) => void) {
  // The node holds every log in memory: at 1M events it needs more than Node's default heap.
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=8192`.trim();
  const chain = await startLocalChain();
  const cleanup = () => chain.stop();
  cleanups.add(cleanup);
  // A node that dies would leave the log fetcher retrying forever: stop instead (the result
  // file keeps the sizes measured). Also samples the node's peak memory.
  let peakRss = 0;
  let misses = 0;
  const watchdog = setInterval(() => {
    const rss = rssMiBOfPort(chain.port);
    if (rss !== null) {
      misses = 0;
      peakRss = Math.max(peakRss, rss);
      return;
    }
    if (++misses < 3) return;
    log(`the hardhat node on port ${chain.port} is gone; stopping`);
    void Promise.allSettled([...cleanups].map((fn) => fn())).then(() => process.exit(1));
  }, 5000);
  watchdog.unref();
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
    for (let i = 0; i < CONFIG.beaters; i++) {
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

    // The chain grows from one size to the next: only the events that are new get emitted.
    let emitted = 0;
    let txs = 0;
    const emitUpTo = async (target: number) => {
      const t0 = performance.now();
      while (emitted < target) {
        const n = Math.min(CONFIG.perTx, target - emitted);
        await wait(
          await wallet.writeContract({
            address: beaters[txs % beaters.length]!,
            abi,
            functionName: "beat",
            args: [registry, BigInt(n)],
            account: accounts[0]!,
            chain: def,
            gas: 16_000_000n,
          }),
        );
        emitted += n;
        txs += 1;
      }
      // Empty blocks after the events, so all of them are behind the finality depth: backfilled.
      for (let i = 0; i < 10; i++) await publicClient.request({ method: "evm_mine" as never });
      return (performance.now() - t0) / 1000;
    };

    const { createLogFetcher } = await import("../indexer/src/sync-historical/createLogFetcher.ts");
    const { createRpc } = await import("../indexer/src/sync-historical/createRpc.ts");
    const { createCommon } = await import("../indexer/src/common/common.ts");
    const { createConfig } = await import("../indexer/src/config/createConfig.ts");
    /** Baseline: eth_getLogs over the same blocks, same node, with the indexer's range splitting. */
    const rawRun = async (head: number) => {
      const common = createCommon(
        createConfig({ rpcUrl: chain.url, deployment, logLevel: "silent", initialBlockRange: INITIAL_BLOCK_RANGE }),
      );
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
      return { logs, eventsPerSecond: logs / ((performance.now() - t0) / 1000) };
    };
    /** A full index from scratch to caught up; the database is dropped right after (disk). */
    const indexRun = async (kind: "postgres" | "pglite", events: number) => {
      const db = kind === "postgres" ? await createTestDatabase("dvpn_indexer_bench") : undefined;
      const dataDir = kind === "pglite" ? mkdtempSync(join(tmpdir(), "dvpn-bench-idx-")) : undefined;
      const remove = async () => {
        await db?.drop().catch(() => {});
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      };
      cleanups.add(remove);
      try {
        const indexer = createIndexer({
          rpcUrl: chain.url,
          deployment,
          databaseUrl: db?.url,
          dataDir,
          port: 0,
          logLevel: "silent",
          finalityDepth: 8,
          pollIntervalMs: 200,
          initialBlockRange: INITIAL_BLOCK_RANGE,
        });
        const t0 = performance.now();
        await indexer.start();
        await indexer.ready;
        const seconds = (performance.now() - t0) / 1000;
        const heartbeatRows = await indexer.prisma.heartbeat.count();
        // The backfill's own account of where its time went (seconds per stage).
        const stageSeconds = Object.fromEntries(
          STAGES.map((stage) => [
            stage,
            round(indexer.common.metrics.get("dvpn_indexer_backfill_seconds_total", { stage }), 4),
          ]),
        );
        await indexer.stop();
        return {
          seconds: round(seconds, 4),
          eventsPerSecond: round(events / seconds, 4),
          heartbeatRows,
          stageSeconds,
        };
      } finally {
        cleanups.delete(remove);
        await remove();
      }
    };

    const sizes: BackfillSize[] = [];
    const current = () => ({
      eventsPerTransaction: CONFIG.perTx,
      providers: CONFIG.beaters,
      finalityDepth: 8,
      sizes,
      notes:
        `Backfill from scratch to caught up (start-up and migrations included) with finality depth 8; each range is ` +
        `decoded, applied and written with its rollups and checkpoint in one transaction. The raw rate only fetches ` +
        `the logs of the same blocks from the same node, with the same adaptive ranges starting at ` +
        `${INITIAL_BLOCK_RANGE} blocks (the 2,000-block default would ask for all 1M logs at once, a response the ` +
        `node cannot build). One chain grows from size to size. Rounds per size: ` +
        `${sizes.map((x) => x.rounds).join(", ")}` +
        (CONFIG.backfillRounds.at(-1)! < CONFIG.backfillRounds[0]!
          ? ` (fewer at the largest size, where one round takes minutes)`
          : "") +
        `, after a discarded warm-up round at the first size` +
        `${CONFIG.pglite ? "" : "; quick runs leave PGlite out (its cold start alone takes seconds)"}. ` +
        `nodeRssMiB is the hardhat node's resident memory after emitting, nodeRssPeakMiB its peak during the ` +
        `size's rounds (sampled every 5 s; the node runs with an 8 GiB heap limit).`,
    });
    for (const [i, target] of CONFIG.events.entries()) {
      const emitSeconds = await emitUpTo(target);
      const head = Number(await publicClient.getBlockNumber({ cacheTime: 0 })); // not viem's cached head
      const blocks = head - deployment.startBlock + 1;
      log(`${emitted} heartbeat events in ${blocks} blocks (${round(emitSeconds, 3)} s to emit the new ones)`);
      const nodeRssMiB = rssMiBOfPort(chain.port);
      peakRss = nodeRssMiB ?? 0;
      // Warm-up, discarded: a whole round at the first size (JIT, connections, PGlite's files).
      if (i === 0) {
        const warm = await rawRun(head);
        await indexRun("postgres", warm.logs);
        if (CONFIG.pglite) await indexRun("pglite", warm.logs);
        log("warm-up round done");
      }
      const rounds: BackfillRound[] = [];
      let logs = 0;
      for (let r = 0; r < CONFIG.backfillRounds[i]!; r++) {
        const raw = await rawRun(head);
        if (r > 0 && raw.logs !== logs) throw new Error(`eth_getLogs returned ${logs} logs, then ${raw.logs}`);
        logs = raw.logs;
        const postgres = await indexRun("postgres", raw.logs);
        const pglite = CONFIG.pglite ? await indexRun("pglite", raw.logs) : undefined;
        rounds.push({ rawEventsPerSecond: round(raw.eventsPerSecond, 4), postgres, pglite });
        log(
          `${logs} events, round ${r + 1}/${CONFIG.backfillRounds[i]}: raw ${round(raw.eventsPerSecond, 3)} ev/s, ` +
            `postgres ${round(postgres.eventsPerSecond, 3)}${pglite ? `, pglite ${round(pglite.eventsPerSecond, 3)}` : ""}` +
            ` (postgres s per stage: ${STAGES.map((k) => `${k} ${postgres.stageSeconds[k]}`).join(", ")})`,
        );
        const store = (kind: "postgres" | "pglite") => {
          const runs = rounds.flatMap((x) => {
            const run = x[kind];
            return run ? [{ ...run, raw: x.rawEventsPerSecond }] : [];
          });
          if (runs.length === 0) return null;
          return {
            eventsPerSecond: pub(summarize(runs.map((x) => x.eventsPerSecond))),
            seconds: pub(summarize(runs.map((x) => x.seconds))),
            /** Per round: this index run's rate over the raw rate of the same round. */
            ofRawRate: pub(summarize(runs.map((x) => x.eventsPerSecond / x.raw)), 3),
            heartbeatRows: runs[0]!.heartbeatRows,
            /** Per stage: its share of the backfill's staged time (fetch + decode + apply + write). */
            stageShare: Object.fromEntries(
              STAGES.map((stage) => [
                stage,
                pub(
                  summarize(
                    runs.map((x) => x.stageSeconds[stage]! / STAGES.reduce((t, k) => t + x.stageSeconds[k]!, 0)),
                  ),
                  3,
                ),
              ]),
            ),
            /** Per stage: events per second of that stage alone. */
            stageEventsPerSecond: Object.fromEntries(
              STAGES.map((stage) => [
                stage,
                pub(summarize(runs.map((x) => logs / Math.max(x.stageSeconds[stage]!, 1e-6))), 3),
              ]),
            ),
          };
        };
        // After every round the size's figures so far replace its entry, and the result file is
        // rewritten: a run stopped halfway keeps what it measured (marked incomplete).
        sizes[i] = {
          heartbeats: emitted,
          events: logs,
          blocks,
          transactions: txs,
          emitSeconds: round(emitSeconds, 3),
          nodeRssMiB,
          nodeRssPeakMiB: Math.max(peakRss, nodeRssMiB ?? 0) || null,
          rounds: rounds.length,
          rawGetLogsEventsPerSecond: pub(summarize(rounds.map((x) => x.rawEventsPerSecond))),
          postgres: store("postgres")!,
          pglite: store("pglite"),
        };
        onProgress(current());
      }
    }
    return current();
  } finally {
    clearInterval(watchdog);
    cleanups.delete(cleanup);
    await cleanup();
  }
}

/**
 * Fills a migrated database with `providers` providers (regions round-robin over 8), `sessions`
 * sessions spread evenly over them, 24 hourly buckets per provider and per region, the
 * parameters the feed reads and a checkpoint at `now`; then VACUUM ANALYZE, as autovacuum would
 * have left a live database.
 */
async function populate(url: string, now: number, providers: number, sessions: number) {
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
    const P = providers;
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
      INSERT INTO region_hours SELECT r, ($1::int / 3600) * 3600 - h * 3600, 40 + h, 35 + h, 400 + h, 1073741824::numeric * (50 + h), 1000000::numeric * (50 + h)
      FROM unnest(ARRAY['DE','US','FR','NL','JP','SG','BR','GB']) r, generate_series(0, 23) h`,
      [now],
    );
    await client.query(
      `
      INSERT INTO sessions SELECT g, '0x' || lpad(to_hex(1 + g % ${P}), 40, '0'), '0x' || lpad(to_hex(100000 + g % 5000), 40, '0'),
        '0x' || lpad(to_hex(100000 + g % 5000), 40, '0'), '0x' || lpad(to_hex(g), 64, '0'),
        (ARRAY['Pending','Active','Closing','Closed'])[1 + g % 4], CASE WHEN g % 4 = 3 THEN 'Settled' END,
        10000000, 50000, 1000, 250, $1::int - 1000, $1::int - 2000 - g % 100000, 100, $1::int - 1990 - g % 100000, '10.0.0.1/32',
        NULL, NULL, NULL, NULL, (g % 1000)::numeric * 1048576, g % 3600, (g % 5000)::numeric, 0, NULL, g % 3, $1::int, 100
      FROM generate_series(1, ${sessions}) g`,
      [now],
    );
    await client.query(
      `INSERT INTO parameters VALUES ('minStake', 'ProviderRegistry', 1000000000000000000000, 0, 1), ('heartbeatTimeout', 'ProviderRegistry', 900, 0, 1), ('acceptTimeout', 'SessionEscrow', 300, 0, 1)`,
    );
    // The totals the indexer maintains while indexing, counted once here.
    const { RECOUNT_TOTALS_SQL } = await import("../indexer/src/indexing/totals.ts");
    for (const sql of RECOUNT_TOTALS_SQL) await client.query(sql);
    await client.query(
      `INSERT INTO checkpoint VALUES (1, 31337, '0x0000000000000000000000000000000000000002', 100, '0x00', $1, 100, $1, 0)`,
      [now],
    );
    await client.query("VACUUM ANALYZE");
    const size = await client.query<{ mib: string }>(
      "SELECT round(pg_database_size(current_database()) / 1048576.0) AS mib",
    );
    return Number(size.rows[0]!.mib);
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

/** Provider number 66 (0x42: an address without letters, so its checksummed form is the stored one). */
const ONE_PROVIDER = `0x${(66).toString(16).padStart(40, "0")}`;
/** Provider number 17, whose sessions the sessions query lists. */
const SESSIONS_PROVIDER = `0x${(17).toString(16).padStart(40, "0")}`;

/** The queries measured, the ceiling first. `check` says what a correct answer holds. */
const QUERIES = [
  {
    key: "ceiling",
    label: "{ __typename } (ceiling)",
    query: "{ __typename }",
    check: (d: Record<string, unknown>) => d.__typename === "Query",
  },
  {
    key: "providers",
    label: "providers (filtered, by score, first 50)",
    query: `{ providers(where: { available: true, region: "DE", maxPricePerGiB: "80000" }, orderBy: score, orderDirection: desc, first: 50) {
      items { id endpoint region pricePerGiB pricePerMinute stake reputation { score uptime24h acceptanceRate sessionsCompleted } availability { available activeSessions capacity lastHeartbeat } }
      totalCount pageInfo { hasNextPage endCursor } } }`,
    check: (d: Record<string, unknown>) => Array.isArray((d.providers as { items?: unknown })?.items),
  },
  {
    key: "provider",
    label: "provider(id)",
    query: `{ provider(id: "${ONE_PROVIDER}") { id endpoint region pricePerGiB pricePerMinute stake
      reputation { score uptime24h uptime7d acceptanceRate medianAcceptSeconds sessionsCompleted sessionsPaid
        scoreBreakdown { formulaVersion uptime uptimePoints acceptance acceptancePoints speed speedPoints experience experiencePoints slashPenalty computedAt } }
      availability { available activeSessions capacity lastHeartbeat heartbeatExpiresAt } } }`,
    check: (d: Record<string, unknown>) => (d.provider as { id?: string } | null)?.id === ONE_PROVIDER,
  },
  {
    key: "networkStats",
    label: "networkStats",
    query: `{ networkStats { providers providersOnline totalStake activeSessions bytes24h volume24h sessionsOpened24h
      byRegion { region providers providersOnline totalStake activeSessions bytes24h volume24h sessionsOpened24h } } }`,
    check: (d: Record<string, unknown>) => typeof (d.networkStats as { providers?: unknown })?.providers === "number",
  },
  {
    key: "sessionsByProvider",
    label: "sessions of one provider",
    query: `{ sessions(where: { provider: "${SESSIONS_PROVIDER}" }, orderBy: openedAt, orderDirection: desc, first: 20) { items { id status paid claimedBytes } totalCount } }`,
    check: (d: Record<string, unknown>) => (d.sessions as { totalCount?: number })?.totalCount === 10,
  },
] as const;
type QueryKey = (typeof QUERIES)[number]["key"];
/** A query's figures at one size; the ratios are absent for the ceiling itself. */
interface QueryFigures {
  label: string;
  p50Ms: Pub;
  p99Ms: Pub;
  requestsPerSecond: Pub;
  requests: number;
  errors: number;
  throughputOfCeiling: Pub;
  p50OverCeiling: Pub;
}

/**
 * One autocannon run of `length` (seconds, or a number of requests; autocannon runs at least a
 * second when given a duration): latency percentiles from every 2xx response's own time, and
 * requests/s over the run's wall time.
 */
async function measure(url: string, query: string, length: { duration: number } | { amount: number }) {
  const times: number[] = [];
  const run = autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
    connections: CONFIG.connections,
    ...length,
  });
  run.on("response", (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) times.push(ms);
  });
  const t0 = performance.now();
  const r = await run;
  const elapsed = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? NaN;
  return {
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    requestsPerSecond: times.length / elapsed,
    requests: times.length,
    errors: r.errors + r.non2xx,
  };
}

async function graphqlAt(providers: number) {
  const db = await createTestDatabase("dvpn_indexer_bench");
  const drop = () => db.drop();
  cleanups.add(drop);
  try {
    const now = Math.floor(Date.now() / 1000);
    const sessions = providers * CONFIG.sessionsPerProvider;
    const t0 = performance.now();
    const databaseMiB = await populate(db.url, now, providers, sessions);
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
    log(`${providers} providers populated in ${round(populateSeconds, 3)} s, server started`);
    try {
      // Every query answers correctly before it is measured (a query that errors is fast).
      const answers: Record<string, Record<string, unknown>> = {};
      for (const q of QUERIES) {
        const res = (await (
          await fetch(indexer.url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: q.query }),
          })
        ).json()) as { data?: Record<string, unknown>; errors?: unknown };
        if (!res.data || res.errors || !q.check(res.data))
          throw new Error(`${q.key} query at ${providers} providers: ${JSON.stringify(res).slice(0, 500)}`);
        answers[q.key] = res.data;
      }
      for (const q of QUERIES) await measure(indexer.url, q.query, CONFIG.warmup); // warm-up
      // Interleaved rounds, the order rotating by round; each query is paired with the ceiling
      // measured in the same round.
      const runs = new Map<QueryKey, Awaited<ReturnType<typeof measure>>[]>(QUERIES.map((q) => [q.key, []]));
      for (let r = 0; r < CONFIG.graphqlRounds; r++) {
        const order = QUERIES.map((_, i) => QUERIES[(i + r) % QUERIES.length]!);
        for (const q of order) runs.get(q.key)!.push(await measure(indexer.url, q.query, { duration: CONFIG.seconds }));
      }
      const ceiling = runs.get("ceiling")!;
      const queries = Object.fromEntries(
        QUERIES.map((q) => {
          const list = runs.get(q.key)!;
          const figures = {
            label: q.label,
            p50Ms: pub(summarize(list.map((x) => x.p50Ms)), 3),
            p99Ms: pub(summarize(list.map((x) => x.p99Ms)), 3),
            requestsPerSecond: pub(summarize(list.map((x) => x.requestsPerSecond)), 4),
            requests: list.reduce((s, x) => s + x.requests, 0),
            errors: list.reduce((s, x) => s + x.errors, 0),
          };
          if (q.key === "ceiling") return [q.key, figures];
          return [
            q.key,
            {
              ...figures,
              /** Per round: this query's requests/s over the ceiling's of the same round. */
              throughputOfCeiling: pub(
                summarize(list.map((x, i) => x.requestsPerSecond / ceiling[i]!.requestsPerSecond)),
                3,
              ),
              /** Per round: this query's p50 over the ceiling's p50 of the same round. */
              p50OverCeiling: pub(summarize(list.map((x, i) => x.p50Ms / ceiling[i]!.p50Ms)), 3),
            },
          ];
        }),
      ) as unknown as Record<QueryKey, QueryFigures>;
      const p = answers.providers!.providers as { totalCount: number };
      log(
        `${providers} providers: ` +
          QUERIES.map(
            (q) => `${q.key} p50 ${queries[q.key].p50Ms.median} ms ${queries[q.key].requestsPerSecond.median} req/s`,
          ).join("; "),
      );
      return {
        providers,
        sessions,
        providerHours: providers * 24,
        populateSeconds: round(populateSeconds, 3),
        databaseMiB,
        providersMatchingListFilter: p.totalCount,
        queries,
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
const machine = { ...(await machineInfo()), loadAverageAtStart: loadavg().map((x) => round(x, 3)) };
let backfillResult: BackfillFigures | undefined;
const graphqlSizes: Awaited<ReturnType<typeof graphqlAt>>[] = [];

/**
 * Writes the result file with what was measured so far; `complete` is false until the end (a run
 * stopped halfway keeps its finished sizes and rounds).
 */
function write(complete: boolean) {
  const result = {
    benchmark: "indexer",
    quick,
    date: new Date(started).toISOString(),
    seconds: round((Date.now() - started) / 1000, 4),
    machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => round(x, 3)) },
    method: {
      backfill: { events: CONFIG.events, rounds: CONFIG.backfillRounds, eventsPerTransaction: CONFIG.perTx },
      graphql: {
        providers: CONFIG.providers,
        sessionsPerProvider: CONFIG.sessionsPerProvider,
        rounds: CONFIG.graphqlRounds,
        secondsPerRun: CONFIG.seconds,
        warmup: CONFIG.warmup,
        connections: CONFIG.connections,
        loadGenerator: "autocannon",
      },
    },
    complete,
    /** Set when --part ran one part and took the other from an earlier run's file. */
    reused,
    backfill: backfillResult ?? null,
    graphql: {
      connections: CONFIG.connections,
      notes:
        "p50/p99 are computed from every 2xx response's own time (autocannon's response event); requests/s is 2xx " +
        "responses over the run's wall time. Each query answered correctly before being measured.",
      sizes: graphqlSizes,
    },
    series: indexerSeries({
      backfill: backfillResult,
      graphql: { connections: CONFIG.connections, sizes: graphqlSizes },
    }),
  };
  writeJson(join(resultsDir(quick), "indexer.json"), result);
  return result;
}

/** The result file of an earlier run of the same mode, for the part --part leaves out. */
function earlier(): {
  date?: string;
  reused?: { part: string; date: string | undefined } | null;
  complete?: boolean;
  backfill?: BackfillFigures | null;
  graphql?: { sizes?: typeof graphqlSizes };
} {
  const file = join(resultsDir(quick), "indexer.json");
  const r = JSON.parse(readFileSync(file, "utf8")) as ReturnType<typeof earlier> & { quick?: boolean };
  if (r.quick !== quick) throw new Error(`--part ${part}: ${file} is from a ${r.quick ? "quick" : "full"} run`);
  return r;
}
const before = part ? earlier() : undefined;
/** Which part of the result comes from an earlier run, and from when. */
let reused: { part: string; date: string | undefined } | null = null;
if (part === "backfill") {
  const sizes = before?.graphql?.sizes ?? [];
  if (sizes.length !== CONFIG.providers.length)
    throw new Error("--part backfill: the earlier file has no complete GraphQL part");
  graphqlSizes.push(...sizes);
  reused = { part: "graphql", date: before?.reused?.part === "graphql" ? before.reused.date : before?.date };
}
if (part === "graphql") {
  const b = before?.backfill;
  if (!b || b.sizes.length !== CONFIG.events.length)
    throw new Error("--part graphql: the earlier file has no complete backfill part");
  backfillResult = b;
  reused = { part: "backfill", date: before?.reused?.part === "backfill" ? before.reused.date : before?.date };
}
if (reused) log(`--part ${part}: the ${reused.part} figures are those of the run of ${reused.date}`);

// GraphQL first: its sizes take minutes, the largest backfill can take much longer on a busy machine.
if (part !== "backfill") {
  for (const p of CONFIG.providers) {
    graphqlSizes.push(await graphqlAt(p));
    write(false);
  }
}
if (part !== "graphql") {
  backfillResult = await backfill((figures) => {
    backfillResult = figures;
    write(false);
  });
}
process.stdout.write(JSON.stringify(write(true), null, 2) + "\n");
