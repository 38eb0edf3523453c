/**
 * Closing the database after the server dropped a connection inside a transaction (a restart
 * of PostgreSQL mid-range): `close` returns, and closes every connection of ours (the reader's
 * pool, the LISTEN connection, the writer lock), so a stopping indexer exits and its supervisor
 * can start another. Prisma's adapter never hands such a connection back to its pool, and its
 * pool's end waits for it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { createCommon } from "../common/common.ts";
import { createConfig } from "../config/createConfig.ts";
import { fakeDeployment } from "../../../test/kit/fakeDeployment.ts";
import { createTestDatabase } from "../../../test/kit/postgres.ts";
import { createDatabase } from "./createDatabase.ts";

/** Backends connected to the database `name` (other than the asking one). */
async function backends(admin: pg.Client, name: string): Promise<{ pid: number; query: string }[]> {
  const r = await admin.query<{ pid: number; query: string }>(
    "SELECT pid, query FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [name],
  );
  return r.rows;
}

test("PostgreSQL: close returns and leaves no connection after one died inside a transaction", async () => {
  const target = await createTestDatabase();
  const name = new URL(target.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: target.url.replace(`/${name}`, "/postgres") });
  await admin.connect();
  const common = createCommon(
    createConfig({
      rpcUrl: "http://127.0.0.1:1",
      deployment: fakeDeployment(),
      databaseUrl: target.url,
      logLevel: "silent",
    }),
  );
  const db = await createDatabase(common);
  let closed = false;
  try {
    assert.equal(await db.tryAcquireWriter(), true);
    const unlisten = db.read.onCheckpoint(() => {});
    void unlisten; // left subscribed: close must end the LISTEN connection itself
    await db.read.query("SELECT 1");
    // The transaction's own connection is terminated by the server while the transaction runs.
    const failed = await db
      .transaction(async (tx) => {
        const [row] = await tx.$queryRawUnsafe<{ pid: number }[]>("SELECT pg_backend_pid() AS pid");
        await admin.query("SELECT pg_terminate_backend($1)", [row!.pid]);
        await tx.$queryRawUnsafe("SELECT pg_sleep(0.2)");
      })
      .then(
        () => false,
        () => true,
      );
    assert.ok(failed, "the transaction on a terminated connection failed");

    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      db.close().then(() => "closed"),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve("close never returned"), 60_000))),
    ]);
    clearTimeout(timer);
    closed = outcome === "closed";
    assert.equal(outcome, "closed");

    // Backends exit a moment after their client's socket closes: wait a bounded while.
    let left = await backends(admin, name);
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await backends(admin, name);
    }
    assert.deepEqual(left, [], "no connection of the indexer is left open");
  } finally {
    if (!closed) await Promise.race([db.close(), new Promise((r) => setTimeout(r, 1000))]);
    await admin.end();
    await target.drop();
  }
});
