import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseBodyTooLargeError } from "viem";
import {
  createLogFetcher,
  DEFAULT_INITIAL_BLOCK_RANGE,
  DEFAULT_MAX_BLOCK_RANGE,
  PROBE_AFTER_SUCCESSES,
} from "./createLogFetcher.ts";
import { isRangeError } from "./isRangeError.ts";
import type { LogRpc, RawLog } from "./types.ts";

/** The fetcher over `rpc` with the recommended ranges unless `options` says otherwise. */
function fetcherOf(
  rpc: LogRpc,
  options: { initialBlockRange?: number; maxBlockRange?: number; onRange?(r: number): void },
) {
  return createLogFetcher({
    rpc,
    address: [],
    initialBlockRange: options.initialBlockRange ?? DEFAULT_INITIAL_BLOCK_RANGE,
    maxBlockRange: options.maxBlockRange ?? DEFAULT_MAX_BLOCK_RANGE,
    ...(options.onRange ? { onRange: options.onRange } : {}),
  });
}

test("range and size errors are recognised, other errors are not", () => {
  assert.ok(isRangeError(new ResponseBodyTooLargeError({ maxSize: 10, size: 20 })));
  assert.ok(isRangeError(new Error("query returned more than 10000 results")));
  assert.ok(isRangeError({ message: "RPC error", cause: { message: "block range is too wide" } }));
  assert.equal(isRangeError(new Error("fetch failed: ECONNREFUSED")), false);
});

test("the adaptive range splits on too-large answers and retries other errors, without a gap", async () => {
  const calls: [number, number][] = [];
  let flaky = 1;
  const rpc = {
    async getLogsOnce(filter: { fromBlock: number; toBlock: number }) {
      calls.push([filter.fromBlock, filter.toBlock]);
      if (filter.toBlock - filter.fromBlock + 1 > 10) throw new ResponseBodyTooLargeError({ maxSize: 1, size: 2 });
      if (flaky-- > 0) throw new Error("socket hang up");
      return [{ blockNumber: `0x${filter.fromBlock.toString(16)}`, blockTimestamp: "0x1" } as RawLog];
    },
  } as unknown as LogRpc;
  const reported: number[] = [];
  const fetcher = fetcherOf(rpc, { initialBlockRange: 64, maxBlockRange: 128, onRange: (r) => reported.push(r) });
  const covered: number[] = [];
  let from = 100;
  for (let i = 0; i < 100 && from <= 200; i++) {
    const { toBlock, logs } = await fetcher.fetch(from, 200);
    assert.ok(toBlock >= from && toBlock <= 200);
    assert.equal(logs.length, 1);
    covered.push(from, toBlock);
    from = toBlock + 1;
  }
  assert.equal(from, 201, "every block fetched, no gap");
  assert.ok(
    calls.some(([a, b]) => b - a + 1 === 64),
    "started with the initial range",
  );
  assert.ok(fetcher.range <= 20, `shrunk (range ${fetcher.range})`);
  assert.equal(reported.at(-1), fetcher.range, "every range change is reported");
});

/**
 * A fake node whose blocks hold `logsPerBlock(n)` logs and whose answers fail for size above
 * `maxLogs` logs (as viem's 10 MiB limit does), recording every request and whether it failed.
 */
function fakeChain(logsPerBlock: (block: number) => number, maxLogs: number) {
  const requests: { from: number; to: number; span: number; failed: boolean }[] = [];
  const log = { blockNumber: "0x1", blockTimestamp: "0x1" } as RawLog;
  const rpc = {
    async getLogsOnce(filter: { fromBlock: number; toBlock: number }) {
      let n = 0;
      for (let b = filter.fromBlock; b <= filter.toBlock; b++) n += logsPerBlock(b);
      const failed = n > maxLogs;
      requests.push({
        from: filter.fromBlock,
        to: filter.toBlock,
        span: filter.toBlock - filter.fromBlock + 1,
        failed,
      });
      if (failed) throw new ResponseBodyTooLargeError({ maxSize: maxLogs, size: n });
      return new Array<RawLog>(n).fill(log);
    },
  } as unknown as LogRpc;
  return { rpc, requests };
}

/** Fetches blocks `from`..`to` in order, asserting every block is covered once, no gap. */
async function fetchAll(
  options: { initialBlockRange?: number; maxBlockRange?: number },
  chain: ReturnType<typeof fakeChain>,
  from: number,
  to: number,
) {
  const fetcher = fetcherOf(chain.rpc, options);
  const ranges: number[] = [];
  let next = from;
  for (let i = 0; i < 100_000 && next <= to; i++) {
    const r = await fetcher.fetch(next, to);
    assert.ok(r.toBlock >= next && r.toBlock <= to);
    next = r.toBlock + 1;
    ranges.push(fetcher.range);
  }
  assert.equal(next, to + 1, "every block fetched, no gap");
  const ok = chain.requests.filter((r) => !r.failed);
  for (let i = 1; i < ok.length; i++) assert.equal(ok[i]!.from, ok[i - 1]!.to + 1, "successes are contiguous");
  return { fetcher, ranges };
}

test("a dense chain settles on a right-sized range: the failing size is never asked again", async () => {
  // 2,500 logs per block (≈ 1.4 MB), 18,000 logs per answer at most (≈ viem's 10 MiB).
  const chain = fakeChain(() => 2500, 18_000);
  const { fetcher } = await fetchAll({ initialBlockRange: 2000 }, chain, 1, 400);
  const firstOk = chain.requests.findIndex((r) => !r.failed);
  const failures = chain.requests.filter((r) => r.failed);
  assert.ok(firstOk > 0, "the 2,000-block first range failed");
  const smallestFailure = Math.min(...failures.map((r) => r.span));
  const after = chain.requests.slice(firstOk);
  assert.ok(
    after.filter((r) => r.failed).length <= 2,
    `thrown away after settling: ${JSON.stringify(after.map((r) => [r.span, r.failed]))}`,
  );
  for (const r of after) assert.ok(r.span < smallestFailure, `span ${r.span} ≥ failing size ${smallestFailure}`);
  // 10,000 logs are 4 blocks: the range lands there within a few requests and stays.
  assert.equal(fetcher.range, 4);
  assert.ok(
    after.slice(3).every((r) => r.span === 4 || r.to === 400),
    JSON.stringify(after.map((r) => r.span)),
  );
  assert.ok(after.filter((r) => !r.failed).length <= 400 / 4 + 3);
});

test("logs larger than expected: growth stops below the failing size, one probe per many successes", async () => {
  // 100 logs per block and at most 3,000 per answer: the 10,000-log target (100 blocks) is too much.
  const chain = fakeChain(() => 100, 3000);
  const { fetcher } = await fetchAll({ initialBlockRange: 10 }, chain, 1, 20_000);
  const requests = chain.requests;
  const firstFailure = requests.findIndex((r) => r.failed);
  assert.ok(firstFailure >= 0, "the target range failed");
  // Settled: the first success after the first failure; then at most 2 more failures to settle.
  const settled = requests.findIndex((r, i) => i > firstFailure && !r.failed);
  let smallest = Math.min(
    ...requests
      .slice(0, settled)
      .filter((r) => r.failed)
      .map((r) => r.span),
  );
  const later = requests.slice(settled);
  for (const r of later) {
    assert.ok(r.span <= smallest, `span ${r.span} above the smallest failing size ${smallest}`);
    if (r.failed) smallest = Math.min(smallest, r.span);
  }
  const settling = later.slice(0, 8).filter((r) => r.failed).length;
  assert.ok(settling <= 2, `failures while settling: ${settling}`);
  // Afterwards only the periodic probes fail: at most one per PROBE_AFTER_SUCCESSES successes.
  const steady = later.slice(8);
  const steadyFailures = steady.filter((r) => r.failed).length;
  const steadySuccesses = steady.length - steadyFailures;
  assert.ok(steadySuccesses > 200, `${steadySuccesses} successes`);
  assert.ok(
    steadyFailures <= Math.ceil(steadySuccesses / PROBE_AFTER_SUCCESSES),
    `${steadyFailures} failures for ${steadySuccesses} successes`,
  );
  assert.ok(steadyFailures >= 1, "the probe runs");
  // The range settled within a quarter of the limit (30 blocks).
  assert.ok(fetcher.range >= 23 && fetcher.range < 31, `range ${fetcher.range}`);
  // The remembered failing size is above the limit (30 blocks), within a quarter of the range.
  assert.ok(fetcher.ceiling >= 31 && fetcher.ceiling * 3 <= fetcher.range * 4, `ceiling ${fetcher.ceiling}`);
});

test("a sparse chain grows to the maximum range within a few requests", async () => {
  const chain = fakeChain((b) => (b % 1000 === 0 ? 1 : 0), 18_000);
  const { ranges } = await fetchAll({ initialBlockRange: DEFAULT_INITIAL_BLOCK_RANGE }, chain, 1, 100_000);
  assert.equal(chain.requests.filter((r) => r.failed).length, 0);
  assert.deepEqual(ranges.slice(0, 5), [40, 160, 640, 2560, 10_000]);
  assert.equal(chain.requests.length, 5 + Math.ceil((100_000 - 3410) / 10_000));
});

test("a chain whose blocks become sparse grows past the old failing size after a probe", async () => {
  // Dense up to block 2,000 (2,500 logs), then one log per 100 blocks.
  const chain = fakeChain((b) => (b <= 2000 ? 2500 : b % 100 === 0 ? 1 : 0), 18_000);
  const { fetcher } = await fetchAll({ initialBlockRange: DEFAULT_INITIAL_BLOCK_RANGE }, chain, 1, 200_000);
  const dense = chain.requests.filter((r) => r.to <= 2000);
  const failures = chain.requests.filter((r) => r.failed);
  assert.ok(
    failures.length >= 1 && failures.length <= 2,
    `failures: ${JSON.stringify(failures.slice(0, 5))} (${failures.length})`,
  );
  assert.ok(dense.every((r) => r.failed || r.span <= 5));
  assert.equal(fetcher.ceiling, Infinity, "the probe succeeded and lifted the bound");
  assert.equal(fetcher.range, 10_000);
  // The sparse part takes about 200,000 / 10,000 requests once grown.
  assert.ok(chain.requests.length < 500 + 40, `${chain.requests.length} requests`);
});

test("the span cut short by the end block never grows the range", async () => {
  const chain = fakeChain(() => 0, 18_000);
  const fetcher = fetcherOf(chain.rpc, { initialBlockRange: 50 });
  for (let b = 1; b <= 20; b++) assert.equal((await fetcher.fetch(b, b)).toBlock, b);
  assert.equal(fetcher.range, 50);
  assert.equal((await fetcher.fetch(21, 1000)).toBlock, 70);
  assert.equal(fetcher.range, 200);
});

test("the filter's topics reach the node; with maxRetries an error is thrown after that many retries", async () => {
  const filters: unknown[] = [];
  let failures = 0;
  const rpc: LogRpc = {
    async getLogsOnce(filter) {
      filters.push(filter);
      if (failures-- > 0) throw new Error("fetch failed: ECONNREFUSED");
      return [];
    },
    async getBlock() {
      throw new Error("no block read without logs");
    },
  };
  const topics = [["0x01", "0x02"], null, "0x03"];
  const fetcher = createLogFetcher({
    rpc,
    address: ["0xe5"],
    topics,
    initialBlockRange: 5,
    maxBlockRange: 5,
    maxRetries: 1,
  });
  assert.deepEqual(await fetcher.fetch(1, 100), { logs: [], toBlock: 5, timestamps: new Map() });
  assert.deepEqual(filters[0], { address: ["0xe5"], topics, fromBlock: 1, toBlock: 5 });
  failures = 2;
  await assert.rejects(fetcher.fetch(6, 100), /ECONNREFUSED/);
  assert.equal(filters.length, 3, "one request and one retry");
});

test("without blockTimestamps no block is read for logs that lack their timestamp", async () => {
  const log = { blockNumber: "0x2" } as RawLog;
  let blocks = 0;
  const rpc: LogRpc = {
    getLogsOnce: async () => [log],
    getBlock: async (n) => (blocks++, { number: n, hash: "0x", parentHash: "0x", timestamp: 7 }),
  };
  const base = { rpc, address: [], initialBlockRange: 5, maxBlockRange: 5 };
  assert.equal((await createLogFetcher({ ...base, blockTimestamps: false }).fetch(1, 5)).timestamps.size, 0);
  assert.equal(blocks, 0);
  assert.deepEqual([...(await createLogFetcher(base).fetch(1, 5)).timestamps], [[2, 7]]);
  assert.equal(blocks, 1);
});
