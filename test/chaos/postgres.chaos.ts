/**
 * The indexer while its PostgreSQL restarts under load, on a private cluster the test creates
 * (initdb from the Debian server package, 127.0.0.1 on a free port, trust auth, data in a fresh
 * temp folder) so the machine's shared server is never touched:
 * - the production entry point (indexer/src/main.ts) runs as a child process against it while
 *   the chain keeps producing events and GraphQL clients keep querying;
 * - the cluster is restarted K times at seeded random moments, alternately `pg_ctl restart -m fast`
 *   and `-m immediate` (a crash, with WAL recovery on start);
 * - the indexer exits by design when the connection holding its writer lock drops (so another
 *   instance can take over); the test acts as its supervisor and restarts it, which counts as a
 *   recovery; an exit without the indexer's own error message counts as a crash;
 * - once it has caught up, its tables and GraphQL answers equal those of an uninterrupted index
 *   of the same chain built afterwards on the same cluster.
 * Run by `npm run chaos` (DVPN_CHAOS_MODE=short|full); not part of the everyday glob on its own.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import type { Address } from "viem";
import { createIndexer, type Indexer, type IndexerParams } from "../../indexer/src/createIndexer.ts";
import { gql, startTestChain, USD, waitFor, type TestChain } from "../kit/testChain.ts";
import { playScenario, type ScenarioFacts } from "../kit/scenario.ts";
import { snapshotState } from "../kit/snapshot.ts";
import { providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { createPrng } from "./prng.ts";
import { count, record } from "./report.ts";

const SEED = Number(process.env.DVPN_CHAOS_SEED ?? 20261124);
const PG_ROOT = "/usr/lib/postgresql";
const MAIN = join(import.meta.dirname, "../../indexer/src/main.ts");
/** The same indexer settings as the other indexer chaos tests. */
const SETTINGS = { pollIntervalMs: 100, finalityDepth: 16, initialBlockRange: 5, maxBlockRange: 40 };

/** The GraphQL answers compared between indexes (score fields left out: they depend on chain time at refresh). */
const QUERIES = [
  "{ providers(first: 100) { totalCount items { id endpoint region stake unbonding paused registered availability { available activeSessions capacity lastHeartbeat } reputation { sessionsCompleted sessionsPaid sessionsMissed bytesServed paidVolume slashCount slashedAmount } slashes { amount beneficiary stakeAfter } } } }",
  "{ sessions(first: 200) { totalCount items { id provider client status outcome deposit paid fees refund claimedBytes claimedSeconds tunnelAddress claims { totalBytes totalSeconds amount fee totalPaid } } } }",
  "{ proposals(first: 100) { items { id } } }",
  "{ networkStats { providers totalStake activeSessions byRegion { region providers totalStake } } parameters { protocolFeeBps minStake } }",
];

/** `gql` bounded in time: an indexer going down mid-request must not hold a wait past its limit. */
function query(url: string, q: string) {
  return Promise.race([
    gql(url, q),
    new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`no GraphQL answer from ${url} within 10 s`)), 10_000);
      t.unref();
    }),
  ]);
}

async function answers(url: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    const r = await query(url, q);
    if (r.errors) throw new Error(`comparison query failed: ${r.errors.map((e) => e.message).join("; ")}`);
    out.push(r.data);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command (argument array), bounded; rejects with its output on failure. */
function run(cmd: string, args: string[], ms = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    // stdin closed and the exit (not the pipes' close) awaited: a server started by pg_ctl may keep inherited fds.
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(" ")}: ${e.message}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} failed (${signal ?? code}): ${out.slice(-2000)}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A private PostgreSQL cluster in a temp folder. */
interface Cluster {
  port: number;
  url(db: string): string;
  /** `pg_ctl restart` with the given shutdown mode (immediate = crash, recovery on start). */
  restart(mode: "fast" | "immediate"): Promise<void>;
  /** Stops the server (bounded) and removes the folder. Never throws. */
  destroy(): Promise<void>;
  log(): string;
}

/** Finds the Debian server binaries and the `postgres` OS user, or fails saying what to install. */
function serverBinaries(): { bin: string; version: string; uid: number; gid: number } {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => existsSync(join(PG_ROOT, v, "bin/initdb")) && existsSync(join(PG_ROOT, v, "bin/pg_ctl")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions[0];
  if (!version)
    throw new Error(
      `no PostgreSQL server binaries (${PG_ROOT}/<version>/bin/initdb and pg_ctl): install them with \`apt-get install postgresql\``,
    );
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (process.getuid?.() === 0 && (!uid || !gid))
    throw new Error(
      "no `postgres` OS user to run the private cluster as (initdb refuses root): install `postgresql` (it creates the user) or `useradd --system postgres`",
    );
  return { bin: join(PG_ROOT, version, "bin"), version, uid: Number(uid), gid: Number(gid) };
}

async function startCluster(): Promise<Cluster> {
  const { bin, version, uid, gid } = serverBinaries();
  const root = process.getuid?.() === 0;
  const as = (tool: string, args: string[], ms?: number) =>
    root ? run("runuser", ["-u", "postgres", "--", join(bin, tool), ...args], ms) : run(join(bin, tool), args, ms);
  const dir = mkdtempSync(join(tmpdir(), "dvpn-chaos-pg-"));
  const data = join(dir, "data");
  const sockets = join(dir, "sockets");
  const logFile = join(dir, "server.log");
  let port = 0;
  let started = false;
  const stop = async () => {
    if (!started) return;
    await as("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "30"], 40_000).catch(() => {
      // pg_ctl could not stop it: kill the postmaster this test started (its pid is in the data folder).
      const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      const ours = Number.isInteger(pid) && pid > 0 && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(data);
      if (ours) process.kill(pid, "SIGKILL");
    });
    started = false;
  };
  try {
    mkdirSync(sockets);
    writeFileSync(logFile, "");
    if (root) {
      for (const p of [dir, sockets, logFile]) chownSync(p, uid, gid);
    }
    chmodSync(dir, 0o700);
    await as("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
    // A free port can be taken between the probe and the start: a few attempts, each with a new port
    // (a later `port` line in postgresql.conf overrides an earlier one).
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      appendFileSync(
        join(data, "postgresql.conf"),
        [
          "",
          "# private cluster of the chaos test",
          "listen_addresses = '127.0.0.1'",
          `port = ${port}`,
          `unix_socket_directories = '${sockets}'`,
          "max_connections = 50",
          "",
        ].join("\n"),
      );
      started = true;
      try {
        await as("pg_ctl", ["start", "-D", data, "-l", logFile, "-w", "-t", "60"], 70_000);
        break;
      } catch (e) {
        await stop().catch(() => {});
        if (attempt >= 3) throw e;
      }
    }
  } catch (e) {
    await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    url: (db) => `postgresql://postgres@127.0.0.1:${port}/${db}`,
    async restart(mode) {
      await as("pg_ctl", ["restart", "-D", data, "-l", logFile, "-m", mode, "-w", "-t", "60"], 70_000);
    },
    async destroy() {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => {
      try {
        return `PostgreSQL ${version}: ${readFileSync(logFile, "utf8").slice(-3000)}`;
      } catch {
        return "";
      }
    },
  };
}

/** The indexer's production entry point as a child process; `exit` settles when it exits. */
interface Child {
  proc: ChildProcess;
  url: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  /** The tail of what the child printed so far. */
  output(): string;
}

describe("chaos: PostgreSQL restarted under load", () => {
  let chain: TestChain;
  let facts: ScenarioFacts;
  let cluster: Cluster | undefined;
  const dir = mkdtempSync(join(tmpdir(), "dvpn-chaos-pgidx-"));
  const children = new Set<ChildProcess>();
  const indexers: Indexer[] = [];
  const rng = createPrng(SEED ^ 0x5a17);

  async function createDb(name: string): Promise<string> {
    const admin = new pg.Client({ connectionString: cluster!.url("postgres") });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    return cluster!.url(name);
  }

  function startChild(databaseUrl: string, deploymentFile: string): Child {
    const proc = spawn(
      process.execPath,
      [
        MAIN,
        "--rpc",
        chain.url,
        "--deployment",
        deploymentFile,
        "--database-url",
        databaseUrl,
        "--port",
        "0",
        "--poll-interval-ms",
        String(SETTINGS.pollIntervalMs),
        "--finality-depth",
        String(SETTINGS.finalityDepth),
        "--block-range",
        String(SETTINGS.initialBlockRange),
        "--max-block-range",
        String(SETTINGS.maxBlockRange),
        "--log-level",
        process.env.DVPN_CHAOS_LOG ?? "warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.add(proc);
    let output = "";
    let resolveUrl!: (u: string) => void;
    const url = new Promise<string>((r) => (resolveUrl = r));
    const keep = (c: Buffer) => {
      output = (output + c.toString()).slice(-20_000);
      const m = /\{"url":"([^"]+)"\}/.exec(output);
      if (m) resolveUrl(m[1]!);
    };
    proc.stdout!.on("data", keep);
    proc.stderr!.on("data", keep);
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((r) =>
      proc.once("exit", (code, signal) => {
        children.delete(proc);
        r({ code, signal, output });
      }),
    );
    return { proc, url, exit, output: () => output };
  }

  /** Protocol activity: heartbeats of every provider and a session opened with each available one. */
  async function activity(tag: number): Promise<number> {
    const c = chain.deployment.contracts;
    const client = chain.accounts[8]!;
    let sent = 0;
    for (const p of Object.values(facts.providers) as Address[]) {
      try {
        await chain.send(p, c.ProviderRegistry.address, providerRegistryAbi, "heartbeat", []);
        sent++;
        await chain.send(client, c.SessionEscrow.address, sessionEscrowAbi, "openSession", [
          p,
          `0x${(tag * 64 + sent + 0x1000).toString(16).padStart(64, "0")}`,
          "0x0000000000000000000000000000000000000000",
          USD(1),
          2n ** 96n - 1n,
          2n ** 96n - 1n,
        ]);
        sent++;
      } catch {
        // a paused, full or exited provider refuses: part of the story too
      }
    }
    return sent;
  }

  async function atHead(url: string): Promise<boolean> {
    const head = (await chain.latest()).number;
    return (await query(url, "{ _meta { block { number } } }")).data?._meta.block?.number === head;
  }

  /**
   * What a wait for the head saw last: the head, the server's `_meta`, the checkpoint row and the
   * child's log tail (for a timeout's message).
   */
  async function headReport(url: string, databaseUrl: string, child: Child | undefined): Promise<string> {
    const parts: string[] = [];
    parts.push(
      `head ${await chain.latest().then(
        (b) => b.number,
        (e: Error) => e.message,
      )}`,
    );
    parts.push(
      `_meta ${await query(url, "{ _meta { block { number } } }").then(
        (r) => JSON.stringify(r),
        (e: Error) => e.message,
      )}`,
    );
    const c = new pg.Client({ connectionString: databaseUrl });
    try {
      await c.connect();
      const r = await c.query(`SELECT "blockNumber", "headNumber", reorgs FROM checkpoint`);
      parts.push(`checkpoint ${JSON.stringify(r.rows)}`);
    } catch (e) {
      parts.push(`checkpoint unreadable: ${(e as Error).message}`);
    } finally {
      await c.end().catch(() => {});
    }
    if (child)
      parts.push(
        `child exit ${child.proc.exitCode ?? child.proc.signalCode ?? "none"}; log tail:\n${child.output().slice(-4000)}`,
      );
    return parts.join("\n");
  }

  /** {@link waitFor} the server at `url` at the head; a timeout says what it saw. */
  async function waitAtHead(
    what: string,
    url: () => string,
    databaseUrl: string,
    child: () => Child | undefined,
    ms: number,
  ) {
    try {
      await waitFor(what, () => atHead(url()), ms);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await headReport(url(), databaseUrl, child())}`);
    }
  }

  before(async () => {
    cluster = await startCluster();
    chain = await startTestChain({ fund: 8 });
    facts = await playScenario(chain);
  });

  after(async () => {
    for (const c of children) c.kill("SIGKILL");
    for (const i of indexers) await i.stop().catch(() => {});
    await chain?.stop().catch(() => {});
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("restarts (fast and immediate) at random moments leave the index equal to an uninterrupted one", async () => {
    const deploymentFile = join(dir, "deployment.json");
    writeFileSync(deploymentFile, JSON.stringify(chain.deployment));
    const chaosUrl = await createDb("dvpn_chaos_restarts");
    const faults = count(3, 12);
    const modes: ("fast" | "immediate")[] = Array.from({ length: faults }, (_, k) =>
      k < 2 ? (k === 0 ? "fast" : "immediate") : rng.pick(["fast", "immediate"] as const),
    );
    const stats = {
      fast: 0,
      immediate: 0,
      indexerExits: 0,
      indexerRestarts: 0,
      startAttemptsFailed: 0,
      survivedRestarts: 0,
      crashes: 0,
      wrongExitCodes: 0,
      transactions: 0,
      graphqlOk: 0,
      graphqlErrors: 0,
      exitReasons: [] as string[],
    };

    // The supervisor: keeps one indexer child running, restarting it (bounded) when it exits.
    let current = startChild(chaosUrl, deploymentFile);
    let url = await Promise.race([
      current.url,
      current.exit.then((e) => Promise.reject(new Error(`the indexer exited at start: ${e.output}`))),
    ]);
    let stopping = false;
    let restarts = 0;
    const supervise = async (): Promise<void> => {
      while (!stopping) {
        const e = await current.exit;
        if (stopping) return;
        const reason = (/indexer: (.*)/.exec(e.output)?.[1] ?? "").slice(0, 200);
        stats.exitReasons.push(`${e.signal ?? e.code}: ${reason || e.output.slice(-300)}`);
        if (!reason)
          stats.crashes++; // no message of its own: an unexpected death
        else {
          stats.indexerExits++;
          if (e.code !== 1) stats.wrongExitCodes++; // a supervisor restarting on failure would miss it
        }
        if (++restarts > 10 * faults) throw new Error(`the indexer kept exiting: ${stats.exitReasons.join(" | ")}`);
        await sleep(300);
        current = startChild(chaosUrl, deploymentFile);
        const started = await Promise.race([current.url, current.exit.then(() => undefined)]);
        if (started) {
          url = started;
          stats.indexerRestarts++;
        } else {
          stats.startAttemptsFailed++; // the server was still coming up: try again
        }
      }
    };
    const supervisor = supervise();
    supervisor.catch(() => {});

    // GraphQL readers: under load during every restart; errors while the database is down are expected.
    let reading = true;
    const readers = Promise.all(
      Array.from({ length: 3 }, async (_, r) => {
        while (reading) {
          const r2 = await query(url, QUERIES[r % QUERIES.length]!).catch(() => undefined);
          if (r2?.data && !r2.errors) stats.graphqlOk++;
          else stats.graphqlErrors++;
          await sleep(20);
        }
      }),
    );

    try {
      await waitAtHead(
        "the indexer at the head",
        () => url,
        chaosUrl,
        () => current,
        120_000,
      );
      for (let k = 0; k < faults; k++) {
        const was = current;
        // The chain moves while the server goes down and comes back.
        const moving = activity(k);
        await sleep(rng.between(0, 1500));
        const mode = modes[k]!;
        await cluster!.restart(mode);
        stats[mode]++;
        stats.transactions += await moving;
        stats.transactions += await activity(k + 1000);
        await Promise.race([
          waitAtHead(
            `the indexer at the head after restart ${k + 1} (${mode})`,
            () => url,
            chaosUrl,
            () => current,
            120_000,
          ),
          supervisor.then(() => Promise.reject(new Error("supervisor stopped"))),
        ]);
        if (current === was) stats.survivedRestarts++;
      }
    } finally {
      reading = false;
      await readers;
    }
    assert.ok(stats.transactions > 0, "the chain moved during the restarts");

    // An uninterrupted index of the same chain, on the same (now quiet) cluster.
    const reference = createIndexer({
      rpcUrl: chain.url,
      deployment: chain.deployment,
      databaseUrl: await createDb("dvpn_chaos_reference"),
      port: 0,
      logLevel: process.env.DVPN_CHAOS_LOG ?? "silent",
      ...SETTINGS,
    } as IndexerParams);
    indexers.push(reference);
    await reference.start();
    await waitFor("the reference index at the head", () => atHead(reference.url), 120_000);
    await waitAtHead(
      "the restarted index at the head",
      () => url,
      chaosUrl,
      () => current,
      60_000,
    );
    const reader = createIndexer({
      rpcUrl: chain.url,
      deployment: chain.deployment,
      databaseUrl: chaosUrl,
      port: 0,
      readOnly: true,
      logLevel: "silent",
      ...SETTINGS,
    } as IndexerParams);
    indexers.push(reader);
    await reader.start();
    const want = await snapshotState(reference.prisma);
    const got = await snapshotState(reader.prisma);
    const differing = Object.keys(want).filter((t) => JSON.stringify(want[t]) !== JSON.stringify(got[t]));
    const sameAnswers = JSON.stringify(await answers(url)) === JSON.stringify(await answers(reference.url));

    stopping = true;
    current.proc.kill("SIGTERM");
    await Promise.race([current.exit, sleep(15_000)]);
    current.proc.kill("SIGKILL");
    await supervisor.catch(() => {});

    record({
      category: "indexer: PostgreSQL restarted under load",
      faultsInjected: stats.fast + stats.immediate,
      // Each restart after which the index reached the chain's head again (in the same or a restarted process).
      recoveries: faults,
      dataLost: differing.length + (sameAnswers ? 0 : 1),
      crashes: stats.crashes,
      details: { seed: SEED, ...stats, exitReasons: stats.exitReasons.slice(0, 20) },
    });
    assert.deepEqual(differing, [], "tables differing from the uninterrupted index");
    assert.ok(sameAnswers, "GraphQL answers differ from the uninterrupted index");
    assert.equal(stats.crashes, 0, `the indexer died without its own error message: ${stats.exitReasons.join(" | ")}`);
    assert.equal(
      stats.wrongExitCodes,
      0,
      `the indexer stopped on an error with exit status 0: ${stats.exitReasons.join(" | ")}`,
    );
    assert.equal(stats.fast + stats.immediate, faults);
    assert.ok(stats.fast > 0 && stats.immediate > 0, "both shutdown modes injected");
    process.stderr.write(`[postgres chaos] ${JSON.stringify(stats)}\n`);
  });
});
