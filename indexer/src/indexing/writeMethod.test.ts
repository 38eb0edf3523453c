/**
 * The bulk write method (one array parameter per column, table and range) against the row-by-row one
 * (one parameter per value): the scripted scenario indexed both ways, on PGlite and on
 * PostgreSQL, must leave the same tables; and extreme values (uint256, quotes and newlines,
 * nested JSON) must survive both, and doubles the bulk one keeps exactly.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createIndexer, type Indexer } from "../createIndexer.ts";
import { createCommon } from "../common/common.ts";
import { createConfig } from "../config/createConfig.ts";
import { createDatabase, type Database } from "../database/createDatabase.ts";
import { readRows, writeRows } from "../database/sql.ts";
import type { WriteMethod } from "../database/writeMethod.ts";
import type { ProviderRow, Row } from "../database/tables.ts";
import { startTestChain, type TestChain } from "../../../test/kit/testChain.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/kit/postgres.ts";
import { playScenario } from "../../../test/kit/scenario.ts";
import { snapshotState } from "../../../test/kit/snapshot.ts";
import { createBatchStore } from "./store.ts";

const KINDS = ["PGlite", "PostgreSQL"] as const;
const METHODS: WriteMethod[] = ["rows", "bulk"];

describe("bulk and row-by-row writes land the same rows", () => {
  let chain: TestChain;
  const dirs: string[] = [];
  const dbs: TestDatabase[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), "dvpn-write-"));
    dirs.push(d);
    return d;
  };
  const target = async (kind: (typeof KINDS)[number]) => {
    if (kind === "PGlite") return { dataDir: tmp() };
    const db = await createTestDatabase();
    dbs.push(db);
    return { databaseUrl: db.url };
  };

  before(async () => {
    chain = await startTestChain();
    await playScenario(chain);
  });

  after(async () => {
    await chain?.stop();
    for (const db of dbs) await db.drop().catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const kind of KINDS) {
    test(`${kind}: the scripted scenario indexed with "rows" and with "bulk" gives the same tables`, async () => {
      const snapshots: Awaited<ReturnType<typeof snapshotState>>[] = [];
      for (const writeMethod of METHODS) {
        const indexer: Indexer = createIndexer({
          rpcUrl: chain.url,
          deployment: chain.deployment,
          ...(await target(kind)),
          port: 0,
          logLevel: "silent",
          // Small ranges: many backfill transactions, and the last blocks through the journal path.
          initialBlockRange: 3,
          maxBlockRange: 5,
          finalityDepth: 8,
          writeMethod,
        });
        try {
          await indexer.start();
          await indexer.ready;
          snapshots.push(await snapshotState(indexer.prisma));
        } finally {
          await indexer.stop();
        }
      }
      const [rows, bulk] = snapshots as [Record<string, unknown[]>, Record<string, unknown[]>];
      // Not vacuous: the scenario fills every kind of table the handlers write.
      for (const table of ["providers", "sessions", "claims", "heartbeats", "slashes", "votes", "provider_hours"]) {
        assert.ok(rows[table]!.length > 0, `${table} is empty`);
      }
      assert.deepEqual(bulk, rows);
    });

    test(`${kind}: event rows already stored are kept, the range's other writes land`, async () => {
      const t = await target(kind);
      const common = createCommon(
        createConfig({ rpcUrl: "http://127.0.0.1:1", deployment: chain.deployment, logLevel: "silent", ...t }),
      );
      const db: Database = await createDatabase(common);
      try {
        for (const [m, method] of METHODS.entries()) {
          // Each method's heartbeats in a block of their own.
          const block = 7 + m;
          const beat = (logIndex: number, timestamp: number) => ({
            blockNumber: block,
            logIndex,
            timestamp,
            provider: "p",
          });
          const flush = (beats: ReturnType<typeof beat>[], hour: number) =>
            db.transaction(async (tx) => {
              const store = createBatchStore(tx, method);
              store.add("provider_hours", { provider: method, hour }, { heartbeats: beats.length });
              for (const b of beats) store.append("heartbeats", b);
              await store.flush(tx, undefined);
            });
          await flush([beat(0, 1)], 0);
          // Log 0 again (other values: kept as stored), log 1 new and twice in the range.
          await flush([beat(0, 2), beat(1, 3), beat(1, 4)], 3600);
          const beats = await db.prisma.$queryRawUnsafe<{ logIndex: number; timestamp: number }[]>(
            `SELECT "logIndex", "timestamp" FROM heartbeats WHERE "blockNumber" = $1 ORDER BY "logIndex"`,
            block,
          );
          assert.deepEqual(
            beats.map((b) => [b.logIndex, b.timestamp]),
            [
              [0, 1],
              [1, 3],
            ],
          );
          const hours = await readRows(db.prisma, "provider_hours", [
            { provider: method, hour: 0 },
            { provider: method, hour: 3600 },
          ]);
          assert.deepEqual(hours.map((h) => h.heartbeats).sort(), [1, 3]);
        }
      } finally {
        await db.close();
      }
    });

    test(`${kind}: extreme values survive both methods`, async () => {
      const t = await target(kind);
      const common = createCommon(
        createConfig({ rpcUrl: "http://127.0.0.1:1", deployment: chain.deployment, logLevel: "silent", ...t }),
      );
      const db: Database = await createDatabase(common);
      try {
        const max = 2n ** 256n - 1n;
        // Every provider column (the compiler says when one is added); the histogram holds nested JSON.
        const base = {
          endpoint: 'ä "quoted" \\ back\nline',
          wgPublicKey: "0x",
          region: "DE",
          pricePerGiB: max,
          pricePerMinute: 0n,
          maxSessions: 2147483647,
          activeSessions: 0,
          hasCapacity: true,
          stake: max - 1n,
          unbonding: 0n,
          unbondingEnd: 0,
          paused: false,
          registered: true,
          registeredAt: 1,
          registeredBlock: 1,
          lastHeartbeat: 0,
          coveredUntil: 0,
          heartbeatCount: 0,
          sessionsOpened: 0,
          sessionsAccepted: 0,
          sessionsMissed: 0,
          sessionsPaid: 0,
          sessionsAcceptedPaid: 0,
          sessionsCompleted: 0,
          bytesServed: 0n,
          secondsServed: 0n,
          paidVolume: 0n,
          feesPaid: 0n,
          slashCount: 0,
          slashedAmount: 0n,
          acceptHistogram: { "3": 10, nested: [1, "x", null] },
          score: 0.1 + 0.2,
          scoreAt: 0,
          updatedBlock: 1,
          exitPolicy: "deny-ports=25,465-587;deny-ranges=10.0.0.0/8",
          exitDenyPorts: [
            [25, 25],
            [465, 587],
          ],
          exitAllowPorts: [],
          transport: "v2ray",
          transportPort: 65535,
          transportCertSha256: `0x${"f".repeat(64)}`,
          transportClientId: "ffffffff-ffff-4fff-bfff-ffffffffffff",
        } satisfies Record<Exclude<keyof ProviderRow, "id">, unknown>;
        const read: Record<string, Row[]> = {};
        for (const method of METHODS) {
          const id = `0x${method === "rows" ? "a" : "b"}${"0".repeat(39)}`;
          const rows = [
            { ...base, id },
            { ...base, id: `${id.slice(0, -1)}1`, score: Number.MAX_VALUE, acceptHistogram: [] },
          ];
          await db.transaction(async (tx) => {
            await writeRows(tx, "providers", rows, "replace", method);
            // A second write of the same keys replaces them (the upsert path).
            await writeRows(tx, "providers", [{ ...rows[0]!, stake: 5n }], "replace", method);
          });
          read[method] = (await readRows(db.prisma, "providers", rows)).map((r) => ({ ...r, id: undefined }));
          read[method]!.sort((a, b) => String(a.stake).localeCompare(String(b.stake)));
        }
        assert.equal(read.rows!.length, 2);
        // Every column the same both ways, except that the row-by-row path's float parameters
        // lose digits (0.1 + 0.2 is stored as 0.3) where the bulk one keeps the double exactly.
        const noScore = (rows: Row[]) => rows.map((r) => ({ ...r, score: undefined }));
        assert.deepEqual(noScore(read.bulk!), noScore(read.rows!));
        const first = read.bulk!.find((r) => r.stake === 5n);
        assert.equal(first?.pricePerGiB, 2n ** 256n - 1n);
        assert.equal(first?.endpoint, base.endpoint);
        assert.deepEqual(first?.acceptHistogram, base.acceptHistogram);
        assert.equal(first?.score, 0.1 + 0.2);
        assert.ok(read.bulk!.some((r) => r.score === Number.MAX_VALUE));
      } finally {
        await db.close();
      }
    });
  }
});
