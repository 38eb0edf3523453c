/**
 * Covered seconds read once per indexed block (coveredPerBlock.ts), on PGlite and PostgreSQL
 * through the real reader of each: the sums of the window's buckets, kept for the block and
 * chain time they were read at and read again once either moves; nothing kept without a
 * checkpoint.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { Checkpoint } from "../database/checkpoint.ts";
import type { Reader } from "../database/reader.ts";
import { HOUR, hourOf } from "../indexing/reputation.ts";
import { DATABASE_TARGETS } from "../testing/bothDatabases.ts";
import { openReaderBackend, type ReaderBackend } from "../testing/readerBackend.ts";
import type { FeedContext } from "./context.ts";
import { coveredPerBlock } from "./coveredPerBlock.ts";

const id = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const NOW = 1_765_000_000;
const HOUR_NOW = hourOf(NOW);

/** A bucket of `seconds` covered for provider `n`, `ago` hours before the hour of NOW. */
const bucket = (n: number, ago: number, seconds: number) =>
  `INSERT INTO provider_hours VALUES ('${id(n)}', ${HOUR_NOW - ago * HOUR}, ${seconds}, 1, 0, 0, 0)`;

/** A context over `read` whose checkpoint the test sets, counting the statements run. */
function context(read: Reader) {
  const state: { cp: Checkpoint | undefined; statements: number } = { cp: undefined, statements: 0 };
  const counted: Reader = {
    query: (...args) => {
      state.statements++;
      return read.query(...args);
    },
    onCheckpoint: (fn) => read.onCheckpoint(fn),
    close: () => read.close(),
  };
  const ctx = { read: counted, checkpoint: async () => state.cp } as unknown as FeedContext;
  return { ctx, state };
}

const block = (number: number, hash: string): Checkpoint => ({
  chainId: 31337,
  registry: id(2),
  blockNumber: number,
  blockHash: hash,
  blockTimestamp: NOW,
  headNumber: number,
  headTimestamp: NOW,
  reorgs: 0,
});

for (const name of DATABASE_TARGETS) {
  const open = () => openReaderBackend(name, { listen: false });
  describe(`covered seconds per block (${name})`, () => {
    const backends: ReaderBackend[] = [];
    after(async () => {
      for (const b of backends) await b.close();
    });

    test("sums the window's buckets once per block and chain time, again when either moves", async () => {
      const b = await open();
      backends.push(b);
      // Provider 1: two buckets in the 24-hour window, one before it; provider 2: one bucket; 3: none.
      for (const sql of [bucket(1, 0, 100), bucket(1, 23, 200), bucket(1, 24, 400), bucket(2, 5, 50)])
        await b.exec(sql);
      const { ctx, state } = context(b.read);
      const ids = [id(1), id(2), id(3)];
      state.cp = block(10, "0x0a");
      assert.deepEqual(await coveredPerBlock(ctx, ids, NOW, 24), [300, 50, 0]);
      assert.deepEqual(await coveredPerBlock(ctx, ids, NOW, 168), [700, 50, 0]);
      assert.equal(state.statements, 2);

      // The same block: kept, the new bucket is not read (it would come with a new block).
      await b.exec(bucket(3, 1, 70));
      assert.deepEqual(await coveredPerBlock(ctx, [id(3), id(1)], NOW, 24), [0, 300]);
      assert.equal(state.statements, 2);
      // A provider not read in this block yet is read alone.
      await b.exec(bucket(4, 2, 30));
      assert.deepEqual(await coveredPerBlock(ctx, [id(1), id(4)], NOW, 24), [300, 30]);
      assert.equal(state.statements, 3);

      // The next block (or a block of the same number after a reorg): read again.
      state.cp = block(11, "0x0b");
      assert.deepEqual(await coveredPerBlock(ctx, ids, NOW, 24), [300, 50, 70]);
      await b.exec(bucket(3, 0, 5));
      state.cp = block(11, "0x0c");
      assert.deepEqual(await coveredPerBlock(ctx, [id(3)], NOW, 24), [75]);
      // A later chain time moves the window: provider 1's oldest bucket in it leaves.
      assert.deepEqual(await coveredPerBlock(ctx, [id(1)], NOW + HOUR, 24), [100]);
      assert.equal(state.statements, 6);

      // Without a checkpoint nothing is kept.
      state.cp = undefined;
      assert.deepEqual(await coveredPerBlock(ctx, [id(1)], NOW, 24), [300]);
      assert.deepEqual(await coveredPerBlock(ctx, [id(1)], NOW, 24), [300]);
      assert.equal(state.statements, 8);
      assert.deepEqual(await coveredPerBlock(ctx, [], NOW, 24), []);
      assert.equal(state.statements, 8);
    });
  });
}
