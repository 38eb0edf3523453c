import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseBodyTooLargeError } from "viem";
import { createCommon } from "../common/common.ts";
import { createConfig } from "../config/createConfig.ts";
import type { RawLog } from "../indexing/decodeLogs.ts";
import { createLogFetcher } from "./createLogFetcher.ts";
import { isRangeError, type Rpc } from "./createRpc.ts";

const deployment = {
  chainId: 31337,
  startBlock: 1,
  deployer: "0x0000000000000000000000000000000000000001",
  contracts: {
    ProviderRegistry: { address: "0x0000000000000000000000000000000000000002", blockNumber: 1 },
    SessionEscrow: { address: "0x0000000000000000000000000000000000000003", blockNumber: 1 },
    DVPNGovernor: { address: "0x0000000000000000000000000000000000000004", blockNumber: 1 },
  },
  parameters: { tokenSupply: "1" },
} as never;

test("range and size errors are recognised, other errors are not", () => {
  assert.ok(isRangeError(new ResponseBodyTooLargeError({ maxSize: 10, size: 20 })));
  assert.ok(isRangeError(new Error("query returned more than 10000 results")));
  assert.ok(isRangeError({ message: "RPC error", cause: { message: "block range is too wide" } }));
  assert.equal(isRangeError(new Error("fetch failed: ECONNREFUSED")), false);
});

test("the adaptive range splits on too-large answers and retries other errors, without a gap", async () => {
  const common = createCommon(
    createConfig({
      rpcUrl: "http://127.0.0.1:1",
      deployment,
      initialBlockRange: 64,
      maxBlockRange: 128,
      logLevel: "silent",
    }),
  );
  const calls: [number, number][] = [];
  let flaky = 1;
  const rpc = {
    async getLogsOnce(filter: { fromBlock: number; toBlock: number }) {
      calls.push([filter.fromBlock, filter.toBlock]);
      if (filter.toBlock - filter.fromBlock + 1 > 10) throw new ResponseBodyTooLargeError({ maxSize: 1, size: 2 });
      if (flaky-- > 0) throw new Error("socket hang up");
      return [{ blockNumber: `0x${filter.fromBlock.toString(16)}`, blockTimestamp: "0x1" } as RawLog];
    },
  } as unknown as Rpc;
  const fetcher = createLogFetcher(common, rpc, []);
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
  assert.ok(common.metrics.get("dvpn_indexer_log_range_blocks") > 0);
});
