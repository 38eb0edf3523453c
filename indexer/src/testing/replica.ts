/**
 * Test and bench helper: a PostgreSQL primary and its streaming replica (hot standby) in two
 * throw-away clusters on free local ports, started as the postgres user (initdb refuses root),
 * with their own socket folder; the machine's own cluster is not touched. `stop()` stops both
 * and removes their folders (also call it on failure).
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** The server binaries: DVPN_PG_BIN, else the newest Debian PostgreSQL under /usr/lib/postgresql. */
const BIN =
  process.env.DVPN_PG_BIN ??
  join(
    "/usr/lib/postgresql",
    (existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql") : ["15"])
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(a) - Number(b))
      .at(-1) ?? "15",
    "bin",
  );

export interface ReplicaPair {
  /** URL of `database` on the primary (writable). */
  primaryUrl: string;
  /** URL of the same database on the replica (read-only, streamed from the primary). */
  replicaUrl: string;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Why a replica pair cannot be started here, or null when it can. */
export function replicaUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "starting the clusters as the postgres user needs root";
  try {
    execFileSync(join(BIN, "pg_basebackup"), ["--version"], { stdio: "ignore" });
    execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
  } catch {
    return `no PostgreSQL 15 binaries in ${BIN} or no postgres user`;
  }
  return null;
}

/** Starts a primary with `database` created on it, and a replica of it; resolves once both run. */
export async function startReplicaPair(database = "dvpn"): Promise<ReplicaPair> {
  const base = mkdtempSync(join(tmpdir(), "dvpn-replica-"));
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString().trim());
  chownSync(base, id("-u"), id("-g"));
  const primaryDir = join(base, "primary");
  const replicaDir = join(base, "replica");
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync("runuser", ["-u", "postgres", "--", join(BIN, cmd), ...args], { stdio: "pipe", cwd: base });
  const stop = async () => {
    for (const dir of [replicaDir, primaryDir]) {
      try {
        asPostgres("pg_ctl", ["-D", dir, "-m", "immediate", "-w", "stop"]);
      } catch {
        /* not running */
      }
    }
    rmSync(base, { recursive: true, force: true });
  };
  try {
    const [p1, p2] = [await freePort(), await freePort()];
    const opts = (port: number) => `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off`;
    asPostgres("initdb", ["-D", primaryDir, "-U", "postgres", "--auth=trust", "--no-sync"]);
    appendFileSync(join(primaryDir, "pg_hba.conf"), "host replication all 127.0.0.1/32 trust\n");
    asPostgres("pg_ctl", ["-D", primaryDir, "-o", opts(p1), "-l", join(base, "primary.log"), "-w", "start"]);
    asPostgres("pg_basebackup", ["-h", "127.0.0.1", "-p", String(p1), "-U", "postgres", "-D", replicaDir, "-R"]);
    asPostgres("pg_ctl", ["-D", replicaDir, "-o", opts(p2), "-l", join(base, "replica.log"), "-w", "start"]);
    const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${p1}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${database}"`);
    } finally {
      await admin.end();
    }
    return {
      primaryUrl: `postgresql://postgres@127.0.0.1:${p1}/${database}`,
      replicaUrl: `postgresql://postgres@127.0.0.1:${p2}/${database}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
