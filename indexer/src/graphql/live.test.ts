/**
 * Shared live updates: subscribers of the same topics share one read per kind per change, so
 * the database queries do not depend on the number of subscribers. On PGlite and PostgreSQL,
 * through the real reader of each, counting the statements it runs.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { createSchema } from "graphql-yoga";
import type { Reader } from "../database/reader.ts";
import { DATABASE_TARGETS } from "../testing/bothDatabases.ts";
import { openReaderBackend, type ReaderBackend } from "../testing/readerBackend.ts";
import { createLiveFeed, GONE, GONE_AWARE, type LiveKind } from "./live.ts";
import { createSseHub } from "./sse.ts";

const id = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;

/** Three providers, two sessions and a checkpoint, as the indexer would have written them. */
const SEED = [
  `INSERT INTO providers SELECT
     '0x' || lpad(to_hex(g), 40, '0'), 'p' || g || '.example:51820', '0x' || lpad(to_hex(g), 64, '0'), 'DE',
     1000, 10, 4, 0, true, 1000, 0, 0, false, true, 1, 1, 100, 1000, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     '{}'::jsonb, 50, 100, 1
   FROM generate_series(1, 3) g`,
  `INSERT INTO sessions SELECT g, '0x' || lpad(to_hex(1), 40, '0'), '0x' || lpad(to_hex(9), 40, '0'),
     '0x' || lpad(to_hex(9), 40, '0'), '0x' || lpad(to_hex(g), 64, '0'), 'Pending', NULL,
     100, 1, 1, 250, 1000, 100, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL, 0, 100, 1
   FROM generate_series(1, 2) g`,
  `INSERT INTO checkpoint VALUES (1, 31337, '0x0000000000000000000000000000000000000002', 1, '0x01', 100, 1, 100, 0)`,
];

/**
 * The reader with a count of the statements it ran, and without announcements of checkpoint
 * changes: these tests drive every poll themselves.
 */
function counting(read: Reader) {
  const counter = { queries: 0 };
  const wrapped: Reader = {
    query: (text, values, name) => {
      counter.queries++;
      return read.query(text, values, name);
    },
    onCheckpoint: () => () => {},
    close: () => read.close(),
  };
  return { read: wrapped, counter };
}

/**
 * `n` subscribers on each of 3 provider topics and 2 session topics: every one gets the first
 * value, then the change of one provider and one session after a new block. Returns the
 * statements run from the first subscription on.
 */
async function scenario(backend: ReaderBackend, n: number): Promise<number> {
  const { read, counter } = counting(backend.read);
  const controller = new AbortController();
  const feed = createLiveFeed({
    read,
    intervalMs: 3_600_000, // polls are driven by the test
    signal: controller.signal,
    derive: async (kind: LiveKind, row) =>
      row === null ? null : kind === "providers" ? { activeSessions: row.activeSessions } : { status: row.status },
  });
  try {
    const subs = [1, 2, 3].flatMap((p) => Array.from({ length: n }, () => feed.subscribe("providers", id(p))));
    const sessions = [1, 2].flatMap((s) => Array.from({ length: n }, () => feed.subscribe("sessions", String(s))));
    assert.deepEqual(feed.stats(), { subscribers: 5 * n, topics: 5 });
    // The first values come from the one poll the subscriptions started.
    for (const s of subs) assert.deepEqual((await s.next()).value, { activeSessions: 0 });
    for (const s of sessions) assert.deepEqual((await s.next()).value, { status: "Pending" });

    // Nothing indexed: a poll reads the checkpoint only.
    await feed.poll();
    // A block: provider 2 took a session, session 1 was accepted.
    await backend.exec(`UPDATE providers SET "activeSessions" = 1 WHERE id = '${id(2)}'`);
    await backend.exec(`UPDATE sessions SET status = 'Active' WHERE id = 1`);
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 2, "blockHash" = '0x02'`);
    await feed.poll();
    for (const [i, s] of subs.entries()) {
      if (Math.floor(i / n) === 1) assert.deepEqual((await s.next()).value, { activeSessions: 1 });
    }
    for (const [i, s] of sessions.entries()) {
      if (Math.floor(i / n) === 0) assert.deepEqual((await s.next()).value, { status: "Active" });
    }
    const queries = counter.queries;
    for (const s of [...subs, ...sessions]) await s.return!();
    assert.deepEqual(feed.stats(), { subscribers: 0, topics: 0 });
    await backend.exec(`UPDATE providers SET "activeSessions" = 0 WHERE id = '${id(2)}'`);
    await backend.exec(`UPDATE sessions SET status = 'Pending' WHERE id = 1`);
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 1, "blockHash" = '0x01'`);
    return queries;
  } finally {
    controller.abort();
  }
}

describe("shared live updates", () => {
  for (const kind of DATABASE_TARGETS) {
    test(`${kind}: the statements run do not depend on the number of subscribers`, async () => {
      const backend = await openReaderBackend(kind);
      try {
        for (const sql of SEED) await backend.exec(sql);
        const one = await scenario(backend, 1);
        const many = await scenario(backend, 200);
        // 3 polls, each a checkpoint read; the first and the third one read per kind as well.
        assert.equal(one, 3 + 2 + 2, `statements with 1 subscriber per topic`);
        assert.equal(many, one, `statements with 200 subscribers per topic (1,000 in all)`);
        await blocks(backend);
      } finally {
        await backend.close();
      }
    });
  }
});

describe("announced checkpoint changes", () => {
  for (const kind of DATABASE_TARGETS) {
    test(`${kind}: a committed change of the checkpoint reaches subscribers without waiting for a poll`, async () => {
      const backend = await openReaderBackend(kind);
      const controller = new AbortController();
      try {
        for (const sql of SEED) await backend.exec(sql);
        const feed = createLiveFeed({
          read: backend.read,
          intervalMs: 3_600_000, // no poll of its own within the test: only an announcement can deliver
          signal: controller.signal,
          derive: async (_: LiveKind, row) => (row === null ? null : { number: row.blockNumber }),
        });
        const sub = feed.subscribe("blocks", "head");
        assert.deepEqual((await sub.next()).value, { number: 1 });
        const within = <T>(p: Promise<T>) =>
          Promise.race([
            p,
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error("no delivery within 10 s")), 10_000).unref(),
            ),
          ]);
        await backend.exec(`UPDATE checkpoint SET "blockNumber" = 2, "blockHash" = '0x02'`);
        assert.deepEqual((await within(sub.next())).value, { number: 2 });
        // A transaction rolled back announces nothing; the next committed one does.
        await backend.exec(`BEGIN; UPDATE checkpoint SET "blockNumber" = 9; ROLLBACK`);
        await backend.exec(`UPDATE checkpoint SET "blockNumber" = 3, "blockHash" = '0x03'`);
        assert.deepEqual((await within(sub.next())).value, { number: 3 });
        await sub.return!();
      } finally {
        controller.abort();
        await backend.close();
      }
    });
  }
});

/**
 * The "blocks" topic: every subscriber gets the checkpoint now and after each indexed block,
 * from the checkpoint read every poll makes anyway (no statement of its own), and nothing when
 * no block came.
 */
async function blocks(backend: ReaderBackend): Promise<void> {
  const { read, counter } = counting(backend.read);
  const controller = new AbortController();
  const feed = createLiveFeed({
    read,
    intervalMs: 3_600_000,
    signal: controller.signal,
    derive: async (_: LiveKind, row) => (row === null ? null : { number: row.blockNumber, hash: row.blockHash }),
  });
  try {
    const subs = Array.from({ length: 50 }, () => feed.subscribe("blocks", "head"));
    for (const s of subs) assert.deepEqual((await s.next()).value, { number: 1, hash: "0x01" });
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 2, "blockHash" = '0x02'`);
    await feed.poll();
    for (const s of subs) assert.deepEqual((await s.next()).value, { number: 2, hash: "0x02" });
    await feed.poll(); // no new block: nothing to deliver, so the next value is block 3's
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 3, "blockHash" = '0x03'`);
    await feed.poll();
    for (const s of subs) assert.deepEqual((await s.next()).value, { number: 3, hash: "0x03" });
    assert.equal(counter.queries, 4, "one checkpoint read per poll");
    for (const s of subs) await s.return!();
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 1, "blockHash" = '0x01'`);
  } finally {
    controller.abort();
  }
}

/**
 * A session indexed at a block a reorg then rolls back: the row is gone, so a subscriber
 * joining the SSE group afterwards is not replayed the group's last frame (the session as it
 * was on the abandoned branch); its first frame is the session's next canonical value.
 */
test("PGlite: after a rollback, a late SSE subscriber is not told the gone row's last value", async () => {
  const backend = await openReaderBackend("PGlite");
  const controller = new AbortController();
  const feed = createLiveFeed({
    read: backend.read,
    intervalMs: 3_600_000, // polls are driven by the test
    signal: controller.signal,
    derive: async (_: LiveKind, row) => (row === null ? null : { status: row.status }),
  });
  const schema = createSchema({
    typeDefs: `type Query { x: Int } type S { status: String! } type Subscription { session(id: String!): S! }`,
    resolvers: {
      Subscription: {
        session: {
          subscribe: (root: unknown, args: { id: string }) =>
            feed.subscribe("sessions", args.id, { gone: root === GONE_AWARE }),
          resolve: (v: unknown) => v,
        },
      },
    },
  });
  const hub = createSseHub({ schema, rules: [], context: () => ({}), maskErrors: true, signal: controller.signal });
  const server = createServer(
    (_, res) => void hub.serve({ query: 'subscription { session(id: "3") { status } }' }, res),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  /** The `data` of each frame a stream received so far. */
  const open = async () => {
    const res = await fetch(url, { signal: controller.signal });
    const frames: unknown[] = [];
    let text = "";
    void (async () => {
      const decoder = new TextDecoder();
      const reader = res.body!.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        text += decoder.decode(r.value, { stream: true });
        for (let m = /data: (.*)\n\n/.exec(text); m; m = /data: (.*)\n\n/.exec(text)) {
          frames.push((JSON.parse(m[1]!) as { data: unknown }).data);
          text = text.slice(m.index + m[0].length);
        }
      }
    })().catch(() => {});
    return frames;
  };
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ok(), what);
  };
  const session3 = (status: string) => SEED[1]!.replace("'Pending'", `'${status}'`).replace("(1, 2)", "(3, 3)");
  try {
    for (const sql of SEED) await backend.exec(sql);
    // Block 2 (0x02) opened session 3; a first subscriber sees it.
    await backend.exec(session3("Pending"));
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 2, "blockHash" = '0x02'`);
    const first = await open();
    await until("the first subscriber has session 3", () => first.length === 1);
    assert.deepEqual(first, [{ session: { status: "Pending" } }]);

    // A reorg rolls block 2 back: session 3 does not exist on the canonical chain.
    await backend.exec(`DELETE FROM sessions WHERE id = 3`);
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 1, "blockHash" = '0x01', reorgs = 1`);
    await feed.poll();
    const late = await open();
    await until("the late subscriber joined the group", () => hub.stats().subscribers === 2);
    assert.equal(hub.stats().groups, 1, "one group: the late subscriber joined the first one's");

    // The canonical block 2 (0x2b) opens session 3 again, already accepted: both get it, and
    // it is the late subscriber's first frame (a replayed "Pending" would have come before it).
    await backend.exec(session3("Active"));
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 2, "blockHash" = '0x2b'`);
    await feed.poll();
    await until("both subscribers have the canonical session", () => late.length >= 1 && first.length >= 2);
    assert.deepEqual(late, [{ session: { status: "Active" } }], "no frame of the rolled-back session");
    assert.deepEqual(
      first,
      [{ session: { status: "Pending" } }, { session: { status: "Active" } }],
      "no frame for the gap",
    );

    // A subscriber of the feed itself is told GONE only when it asks for it.
    await backend.exec(`DELETE FROM sessions WHERE id = 3`);
    const aware = feed.subscribe("sessions", "3", { gone: true });
    const plain = feed.subscribe("sessions", "3");
    assert.deepEqual((await aware.next()).value, { status: "Active" });
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 1, "blockHash" = '0x01', reorgs = 2`);
    await feed.poll();
    assert.equal((await aware.next()).value, GONE);
    await backend.exec(session3("Settled"));
    await backend.exec(`UPDATE checkpoint SET "blockNumber" = 2, "blockHash" = '0x2c'`);
    await feed.poll();
    assert.deepEqual((await plain.next()).value, { status: "Settled" }, "the plain subscriber skipped the gap");
    await aware.return!();
    await plain.return!();
  } finally {
    controller.abort();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await backend.close();
  }
});
