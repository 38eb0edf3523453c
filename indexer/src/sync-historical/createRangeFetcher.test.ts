/**
 * The backfill's range readers against a hardhat node, on the main thread and on the fetch
 * thread: the ranges they hand back, put end to end, are every event of the chain decoded from
 * one eth_getLogs; the thread's RPC counters and range gauge land in the main thread's registry;
 * a shutdown stops a fetch the node never answers, and no fetch starts after it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { createLogRpc } from "../../../sdk/src/events/createLogRpc.ts";
import { providerRegistryAbi } from "../../../sdk/src/abi/index.ts";
import { registerProvider, startTestChain, type TestChain } from "../../../test/kit/testChain.ts";
import { createCommon } from "../common/common.ts";
import { createConfig } from "../config/createConfig.ts";
import { contractsOf, decodeLogs } from "../indexing/decodeLogs.ts";
import { createRangeFetcher, createRangeThread } from "./createRangeFetcher.ts";
import { createRpc } from "./createRpc.ts";

let chain: TestChain;

before(async () => {
  chain = await startTestChain({ fund: 3 });
  const reg = chain.deployment.contracts.ProviderRegistry.address;
  for (const [i, region] of ["DE", "US", "FR"].entries()) {
    const provider = chain.accounts[i + 1]!;
    await registerProvider(chain, provider, i + 1, region);
    await chain.mine();
    await chain.send(provider, reg, providerRegistryAbi, "heartbeat", []);
  }
});

after(async () => {
  await chain?.stop();
});

for (const where of ["main thread", "fetch thread"] as const)
  test(`ranges read on the ${where}, end to end, are the chain's events`, async () => {
    const common = createCommon(
      createConfig({ rpcUrl: chain.url, deployment: chain.deployment, initialBlockRange: 1, logLevel: "silent" }),
    );
    try {
      const ranges =
        where === "main thread" ? createRangeFetcher(common, createRpc(common)) : createRangeThread(common);
      const head = (await chain.latest()).number;
      const from0 = chain.deployment.startBlock;
      const got = [];
      let requests = 0;
      for (let from = from0; from <= head; requests++) {
        assert.ok(requests < head - from0 + 1, "every range covers at least one block");
        const asked = performance.now();
        const range = await ranges.fetch(from, head);
        assert.ok(range, `block ${from}'s range has its last block`);
        assert.ok(range.toBlock >= from && range.toBlock <= head, `range from ${from} ends at ${range.toBlock}`);
        assert.equal(range.toRef.number, range.toBlock);
        // Decoding times are on this thread's clock: after the request, before the answer.
        assert.ok(range.decoded.start >= asked && range.decoded.end <= performance.now());
        got.push(...range.events);
        from = range.toBlock + 1;
      }
      const contracts = contractsOf(chain.deployment);
      const logs = await createLogRpc(chain.publicClient).getLogsOnce({
        address: [...contracts.keys()],
        fromBlock: from0,
        toBlock: head,
      });
      const expected = decodeLogs(logs, contracts);
      assert.ok(
        expected.some((e) => e.eventName === "Heartbeat"),
        "the chain holds heartbeats",
      );
      assert.deepEqual(got, expected);
      // The range started at one block and grew: more than one request, fewer than one per block.
      assert.ok(requests > 1 && requests < head - from0 + 1, `${requests} requests for ${head - from0 + 1} blocks`);
      const { metrics } = common;
      assert.ok(metrics.get("dvpn_indexer_rpc_requests_total", { method: "eth_getLogs" }) >= requests);
      assert.ok(metrics.get("dvpn_indexer_log_range_blocks") > 1, "the range gauge is set");
      if (where === "fetch thread") assert.equal(metrics.get("dvpn_indexer_fetch_threads"), 1);
    } finally {
      await common.shutdown.shutdown();
    }
  });

test("a shutdown stops a fetch the node never answers, and refuses the next", async () => {
  // A node that accepts connections and never answers.
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const { port } = silent.address() as { port: number };
  const common = createCommon(
    createConfig({ rpcUrl: `http://127.0.0.1:${port}`, deployment: chain.deployment, logLevel: "silent" }),
  );
  try {
    const ranges = createRangeThread(common);
    const fetching = ranges.fetch(chain.deployment.startBlock, chain.deployment.startBlock + 10);
    // The thread started and asked the node.
    for (let i = 0; i < 1200 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(sockets.length > 0, "the fetch thread connected to the node");
    await common.shutdown.shutdown();
    await assert.rejects(fetching, /backfill fetch thread stopped/);
    await assert.rejects(
      ranges.fetch(chain.deployment.startBlock, chain.deployment.startBlock),
      /fetch thread is closed/,
    );
  } finally {
    await common.shutdown.shutdown();
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test("a closed fetch thread refuses fetches and is not started again", async () => {
  const common = createCommon(createConfig({ rpcUrl: chain.url, deployment: chain.deployment, logLevel: "silent" }));
  try {
    const ranges = createRangeThread(common);
    const from = chain.deployment.startBlock;
    assert.ok(await ranges.fetch(from, from), "the thread answers before it is closed");
    await ranges.close();
    await assert.rejects(ranges.fetch(from, from), /fetch thread is closed/);
    assert.equal(common.metrics.get("dvpn_indexer_fetch_threads"), 0, "no thread left");
  } finally {
    await common.shutdown.shutdown();
  }
});

test("a released fetch thread keeps a fetch in flight and starts again for the next", async () => {
  const common = createCommon(createConfig({ rpcUrl: chain.url, deployment: chain.deployment, logLevel: "silent" }));
  try {
    const ranges = createRangeThread(common);
    const from = chain.deployment.startBlock;
    const inFlight = ranges.fetch(from, from);
    ranges.release();
    assert.equal((await inFlight)?.toBlock, from, "the fetch in flight was answered");
    ranges.release();
    const again = await ranges.fetch(from + 1, from + 1);
    assert.equal(again?.toBlock, from + 1, "a new thread answered after the release");
    // Another release and fetch while the first released thread may still be exiting: its exit
    // does not fail the new thread's fetch.
    ranges.release();
    const third = ranges.fetch(from, from + 1);
    ranges.release();
    assert.ok(await third);
    // Released for good: no thread left once the last one exited.
    ranges.release();
    const { metrics } = common;
    for (let i = 0; i < 100 && metrics.get("dvpn_indexer_fetch_threads") > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(metrics.get("dvpn_indexer_fetch_threads"), 0, "every released thread exited");
  } finally {
    await common.shutdown.shutdown();
  }
});

test("a process holding an idle fetch thread still exits on its own", async () => {
  const child = spawn(process.execPath, [new URL("../testing/idleRangeThread.ts", import.meta.url).pathname], {
    env: { ...process.env, DVPN_TEST_RPC_URL: chain.url, DVPN_TEST_DEPLOYMENT: JSON.stringify(chain.deployment) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    const [code, signal] = (await new Promise((resolve) => child.once("exit", (c, s) => resolve([c, s])))) as [
      number | null,
      NodeJS.Signals | null,
    ];
    assert.equal(signal, null, `the process had to be killed: ${out}`);
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`answered ${chain.deployment.startBlock}`));
  } finally {
    clearTimeout(timer);
  }
});

test("threads that cannot start: after three tries the ranges are read on the main thread", async () => {
  const base = createCommon(createConfig({ rpcUrl: chain.url, deployment: chain.deployment, logLevel: "silent" }));
  // A log level pino refuses: each thread throws while it loads (the main thread's logger is built).
  const common = { ...base, config: { ...base.config, logLevel: "no-such-level" } };
  try {
    const ranges = createRangeThread(common);
    const from = chain.deployment.startBlock;
    let failures = 0;
    let range;
    for (let i = 0; i < 5 && !range; i++) {
      try {
        range = await ranges.fetch(from, from);
      } catch (error) {
        assert.match((error as Error).message, /fetch thread stopped/);
        failures += 1;
      }
    }
    assert.equal(range?.toBlock, from, "the range was read in the end");
    assert.ok(failures >= 2 && failures <= 3, `${failures} fetches failed first`);
    assert.equal(common.metrics.get("dvpn_indexer_fetch_threads"), 0, "no thread left");
  } finally {
    await base.shutdown.shutdown();
  }
});
