/**
 * Live part of `bench:indexer`: SSE subscribers on one read-only server (a child process, so its
 * memory is its own), half following a provider's availability and half a session, spread over
 * 1,000 providers and 1,000 sessions of a populated PostgreSQL database. At each count: the
 * server's resident memory per subscriber, the database's statements per second while they
 * listen, and, for blocks committed one after another (each changing every followed provider
 * and session, as an indexed block would), the delay from the commit to each subscriber's event.
 * The baseline, measured first in the same run: 2 subscribers (one of each kind).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { spawnIndexer, writeDeployment } from "../../indexer/src/testing/child.ts";
import { createTestDatabase } from "../../test/kit/postgres.ts";
import { round, summarize } from "../lib/stats.ts";
import { CONFIG, log, pub, rssMiB, withCleanup, type Pub } from "./common.ts";
import type { ClientRequest } from "./liveClient.ts";
import { fakeDeployment } from "../../test/kit/fakeDeployment.ts";
import { populate } from "./populate.ts";

/** Topics: 1,000 providers and sessions 1..1,000 (subscribers beyond that share them). */
const TOPICS = 1_000;
/**
 * Provider number of topic k: k's decimal digits read as hex (1..0x1000), so its address has no
 * letters and its checksummed form (the one the API takes) is the stored one.
 */
const providerNumber = (k: number) => Number.parseInt(String(k), 16);
/** Providers populated: enough to hold every topic's number. */
const PROVIDERS = providerNumber(TOPICS);
/** The server's poll of the checkpoint (`--poll-interval-ms`). */
const POLL_MS = 250;
const BASELINE = 2;

interface LiveAt {
  subscribers: number;
  topics: { providers: number; sessions: number };
  connectSeconds: number;
  serverRssMiB: { before: number | null; listening: number | null };
  memoryPerSubscriberKiB: number | null;
  statementsPerSecond: number;
  blocks: number;
  deliveries: number;
  /** Deliveries that did not arrive within 60 s of their block (none expected). */
  missing: number;
  latencyMs: Pub & { p99: number };
  /**
   * CPU milliseconds from a block's commit until every subscriber has its event: the server
   * process's (/proc) and the bench process's (its client threads; the database's is neither).
   */
  cpuMsPerBlock: { server: Pub | null; client: Pub };
}
export interface LiveFigures {
  pollIntervalMs: number;
  providers: number;
  sessions: number;
  baseline: LiveAt | null;
  sizes: (LiveAt & { statementsOverBaseline: number; p99OverBaselineP99: number })[];
  notes: string;
}

const hex = (n: number, size: number) => `0x${n.toString(16).padStart(size, "0")}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Threads the client's subscribers are spread over (the machine's two cores). */
const CLIENT_THREADS = 2;

/** The client: `queries` subscribers spread over worker threads (liveClient.ts). */
function startClient(url: string, queries: string[]) {
  let next = 0;
  const workers = Array.from({ length: CLIENT_THREADS }, (_, w) => {
    const worker = new Worker(new URL("./liveClient.ts", import.meta.url), {
      workerData: { url, queries: queries.filter((_, i) => i % CLIENT_THREADS === w) },
    });
    const waiting = new Map<number, (v: unknown) => void>();
    worker.on("message", (m: { id: number; value: unknown }) => {
      waiting.get(m.id)?.(m.value);
      waiting.delete(m.id);
    });
    worker.on("error", (e) => process.stderr.write(`live client thread: ${e.message}\n`));
    const ask = <T>(m: DistributiveOmit<ClientRequest, "id">) =>
      new Promise<T>((resolve) => {
        const id = next++;
        waiting.set(id, resolve as (v: unknown) => void);
        worker.postMessage({ ...m, id });
      });
    return { worker, ask };
  });
  return {
    /** The fewest events any subscriber has received. */
    least: async () => Math.min(...(await Promise.all(workers.map((w) => w.ask<number>({ type: "least" }))))),
    /** Every subscriber's arrival time of its `index`-th event (epoch ms; null: not arrived). */
    arrivals: async (index: number) =>
      (await Promise.all(workers.map((w) => w.ask<(number | null)[]>({ type: "arrivals", index })))).flat(),
    close: async () => {
      await Promise.all(workers.map((w) => w.ask({ type: "close" })));
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** CPU seconds (user + system) a process has used, from /proc, or null. */
function cpuSecondsOf(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
  } catch {
    return null;
  }
}

async function waitUntil(what: string, ok: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`live: timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function liveAt(counts: number[], onProgress: (f: LiveFigures) => void): Promise<LiveFigures> {
  const db = await createTestDatabase("dvpn_indexer_bench");
  const dir = mkdtempSync(join(tmpdir(), "dvpn-bench-live-"));
  return withCleanup(
    async () => {
      rmSync(dir, { recursive: true, force: true });
      await db.drop().catch(() => {});
    },
    async () => {
      const now = Math.floor(Date.now() / 1000);
      await populate(db.url, now, PROVIDERS, PROVIDERS * CONFIG.sessionsPerProvider);
      const server = spawnIndexer([
        "--rpc",
        "http://127.0.0.1:1",
        "--deployment",
        writeDeployment(dir, fakeDeployment()),
        "--database-url",
        db.url,
        "--port",
        "0",
        "--read-only",
        "--poll-interval-ms",
        String(POLL_MS),
      ]);
      return withCleanup(
        () => server.kill("SIGTERM"),
        async () => measure(await server.url, server.child.pid!, db.url, counts, onProgress),
      );
    },
  );
}

async function measure(
  url: string,
  pid: number,
  dbUrl: string,
  counts: number[],
  onProgress: (f: LiveFigures) => void,
): Promise<LiveFigures> {
  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  const figures: LiveFigures = {
    pollIntervalMs: POLL_MS,
    providers: PROVIDERS,
    sessions: PROVIDERS * CONFIG.sessionsPerProvider,
    baseline: null,
    sizes: [],
    notes:
      `One read-only indexer (child process, --poll-interval-ms ${POLL_MS}, and woken at once by the checkpoint's ` +
      `NOTIFY at each block's commit, as readers on the primary are) on PostgreSQL with ${PROVIDERS} providers ` +
      `and ${PROVIDERS * CONFIG.sessionsPerProvider} sessions; subscriber i follows providerAvailability of the k-th ` +
      `of ${TOPICS} providers, k = 1 + (i/2 mod ${TOPICS}) (even i), or session k (odd i), over SSE, one HTTP connection ` +
      `each, all from the bench process on the same 2 cores. A block is one transaction that changes every followed ` +
      `provider and session and moves the checkpoint, as the indexer's range transaction does; latency runs from ` +
      `its COMMIT returning to each subscriber's event being parsed (the client's own parsing of up to 10,000 ` +
      `streams included, spread over ${CLIENT_THREADS} worker threads so the client is not bound by one thread). ` +
      `cpuMsPerBlock: CPU milliseconds of the server process and of the bench's client from the commit until every ` +
      `subscriber has the block's event. statementsPerSecond: transactions committed in the database per second (pg_stat_database, ` +
      `PostgreSQL's own count; the reader runs one statement per transaction) over a quiet window while all listen. ` +
      `memoryPerSubscriberKiB: the server's resident memory with the subscribers connected minus before, per ` +
      `subscriber. Baseline: ${BASELINE} subscribers in the same run.`,
  };
  const commits = async () =>
    Number(
      (
        await admin.query<{ n: string }>(
          "SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()",
        )
      ).rows[0]!.n,
    );
  let block = 100;
  const at = async (n: number): Promise<LiveAt> => {
    const before = rssMiB(pid);
    const t0 = performance.now();
    const client = startClient(
      url,
      Array.from({ length: n }, (_, i) => {
        const topic = 1 + (Math.floor(i / 2) % TOPICS);
        return i % 2 === 0
          ? `subscription { providerAvailability(id: "${hex(providerNumber(topic), 40)}") { available activeSessions capacity } }`
          : `subscription { session(id: "${topic}") { id status claimedBytes } }`;
      }),
    );
    try {
      await waitUntil(`${n} first events`, async () => (await client.least()) >= 1, 120_000 + 30 * n);
      const connectSeconds = (performance.now() - t0) / 1000;
      await sleep(1000);
      const listening = rssMiB(pid);
      // Statements while everyone listens and nothing changes.
      const window = quickWindow();
      const c0 = await commits();
      await sleep(window);
      const c1 = await commits();
      const statementsPerSecond = (c1 - c0 - 1) / (window / 1000);
      const latencies: number[] = [];
      const cpuMs = { server: [] as number[], client: [] as number[] };
      let missing = 0;
      const maxTopic = Math.min(TOPICS, Math.ceil(n / 2));
      for (let b = 1; b <= CONFIG.liveBlocks; b++) {
        block += 1;
        await admin.query("BEGIN");
        await admin.query(
          `UPDATE providers SET "activeSessions" = ("activeSessions" + 1) % 7 WHERE id = ANY($1::text[])`,
          [Array.from({ length: maxTopic }, (_, i) => hex(providerNumber(i + 1), 40))],
        );
        await admin.query(`UPDATE sessions SET "claimedBytes" = "claimedBytes" + 1 WHERE id <= $1`, [maxTopic]);
        await admin.query(`UPDATE checkpoint SET "blockNumber" = $1, "blockHash" = $2 WHERE id = 1`, [
          block,
          hex(block, 64),
        ]);
        await admin.query("COMMIT");
        const committed = performance.timeOrigin + performance.now();
        const cpu0 = { server: cpuSecondsOf(pid), client: process.cpuUsage() };
        await waitUntil(`block ${b}`, async () => (await client.least()) >= b + 1, 60_000).catch(() => {});
        const server1 = cpuSecondsOf(pid);
        const client1 = process.cpuUsage(cpu0.client);
        if (server1 !== null && cpu0.server !== null) cpuMs.server.push((server1 - cpu0.server) * 1000);
        cpuMs.client.push((client1.user + client1.system) / 1000);
        for (const t of await client.arrivals(b)) {
          if (t === null) missing += 1;
          else latencies.push(t - committed);
        }
        await sleep(300);
      }
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)] ?? NaN;
      const result: LiveAt = {
        subscribers: n,
        topics: { providers: Math.min(TOPICS, Math.ceil(n / 2)), sessions: Math.min(TOPICS, Math.floor(n / 2)) },
        connectSeconds: round(connectSeconds, 3),
        serverRssMiB: {
          before: before === null ? null : round(before, 4),
          listening: listening === null ? null : round(listening, 4),
        },
        memoryPerSubscriberKiB:
          before === null || listening === null ? null : round(((listening - before) * 1024) / n, 3),
        statementsPerSecond: round(statementsPerSecond, 3),
        blocks: CONFIG.liveBlocks,
        deliveries: latencies.length,
        missing,
        latencyMs: { ...pub(summarize(latencies), 3), values: [], p99: round(p99, 3) },
        cpuMsPerBlock: {
          server: cpuMs.server.length ? pub(summarize(cpuMs.server), 3) : null,
          client: pub(summarize(cpuMs.client), 3),
        },
      };
      log(
        `live ${n} subscribers: connected in ${result.connectSeconds} s, ${result.memoryPerSubscriberKiB} KiB each, ` +
          `${result.statementsPerSecond} statements/s, latency p50 ${result.latencyMs.median} ms p99 ${result.latencyMs.p99} ms, ` +
          `CPU ms per block: server ${result.cpuMsPerBlock.server?.median ?? "?"}, client ${result.cpuMsPerBlock.client.median}` +
          (missing ? `, ${missing} missing` : ""),
      );
      return result;
    } finally {
      await client.close();
      await sleep(2000);
    }
  };
  try {
    await at(BASELINE); // warm-up, discarded
    figures.baseline = await at(BASELINE);
    for (const n of counts) {
      const r = await at(n);
      figures.sizes.push({
        ...r,
        statementsOverBaseline: round(r.statementsPerSecond / figures.baseline.statementsPerSecond, 3),
        p99OverBaselineP99: round(r.latencyMs.p99 / figures.baseline.latencyMs.p99, 3),
      });
      onProgress(figures);
    }
    return figures;
  } finally {
    await admin.end();
  }
}

/** The quiet window over which statements are counted (ms). */
const quickWindow = () => (CONFIG.liveBlocks > 2 ? 5000 : 2000);
