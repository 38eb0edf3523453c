/**
 * The fault proxy against a real `hardhat node`: each fault kind is injected and counted, the
 * schedule replays from its seed, the lagging-node mode hides newer blocks and logs, and a
 * retrying viem client gets the right answers through a faulty proxy.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createPublicClient, createWalletClient, http, parseAbi, type Abi, type Hex } from "viem";
import { hardhat } from "viem/chains";
import { startLocalChain, type LocalChain } from "../kit/localChain.ts";
import { record } from "./report.ts";
import { createRpcProxy, type RpcProxy } from "./rpcProxy.ts";

const rpc = (url: string, method: string, params: unknown[] = []) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });

describe("chaos: fault-injecting JSON-RPC proxy", () => {
  let chain: LocalChain;
  const proxies: RpcProxy[] = [];
  const proxy = async (...args: Parameters<typeof createRpcProxy>) => {
    const p = await createRpcProxy(...args);
    proxies.push(p);
    return p;
  };

  before(async () => {
    chain = await startLocalChain();
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await chain?.stop();
  });

  it("drops the connection and counts it", async () => {
    const p = await proxy({ target: chain.url, seed: 1, policy: { drop: 1 } });
    await assert.rejects(rpc(p.url, "eth_chainId"));
    assert.equal(p.counters.dropped, 1);
    assert.equal(p.counters.forwarded, 0);
  });

  it("answers 429 with Retry-After", async () => {
    const p = await proxy({ target: chain.url, seed: 1, policy: { rateLimit: 1, retryAfterSeconds: 2 } });
    const res = await rpc(p.url, "eth_chainId");
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "2");
    assert.equal(p.counters.rateLimited, 1);
  });

  it("answers 5xx", async () => {
    const p = await proxy({ target: chain.url, seed: 3, policy: { serverError: 1 } });
    for (let i = 0; i < 5; i++) {
      const res = await rpc(p.url, "eth_chainId");
      assert.ok([500, 502, 503].includes(res.status), `status ${res.status}`);
      await res.text();
    }
    assert.equal(p.counters.serverErrors, 5);
  });

  it("truncates the JSON body", async () => {
    const p = await proxy({ target: chain.url, seed: 4, policy: { truncate: 1 } });
    const res = await rpc(p.url, "eth_getBlockByNumber", ["latest", false]);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.throws(() => JSON.parse(text));
    assert.equal(p.counters.truncated, 1);
  });

  it("delays and still answers correctly", async () => {
    const p = await proxy({ target: chain.url, seed: 5, policy: { delay: 1, delayMs: [5, 20] } });
    const body = (await (await rpc(p.url, "eth_chainId")).json()) as { result: string };
    assert.equal(Number(body.result), chain.chainId);
    assert.equal(p.counters.delayed, 1);
  });

  it("applies faults only to the listed methods", async () => {
    const p = await proxy({ target: chain.url, seed: 6, policy: { serverError: 1, methods: ["eth_getLogs"] } });
    const ok = await rpc(p.url, "eth_chainId");
    assert.equal(ok.status, 200);
    await ok.text();
    const bad = await rpc(p.url, "eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest" }]);
    assert.ok(bad.status >= 500);
    await bad.text();
    assert.deepEqual([p.counters.forwarded, p.counters.serverErrors], [1, 1]);
  });

  it("replays the same fault schedule from the same seed", async () => {
    const policy = { drop: 0.2, rateLimit: 0.2, serverError: 0.2, truncate: 0.2 };
    const outcome = async (seed: number) => {
      const p = await proxy({ target: chain.url, seed, policy });
      const seen: string[] = [];
      for (let i = 0; i < 25; i++) {
        try {
          const res = await rpc(p.url, "eth_chainId");
          const text = await res.text();
          seen.push(`${res.status}:${text.length}`);
        } catch {
          seen.push("dropped");
        }
      }
      return seen;
    };
    const a = await outcome(77);
    const b = await outcome(77);
    const c = await outcome(78);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it("lags N blocks behind and hides newer blocks and logs", async () => {
    const { abi, bytecode } = JSON.parse(
      readFileSync(
        join(import.meta.dirname, "../../artifacts/contracts/mocks/MockStablecoin.sol/MockStablecoin.json"),
        "utf8",
      ),
    ) as { abi: Abi; bytecode: Hex };
    const chainDef = { ...hardhat, id: chain.chainId };
    const pub = createPublicClient({ chain: chainDef, transport: http(chain.url) });
    const [account] = await createWalletClient({ chain: chainDef, transport: http(chain.url) }).getAddresses();
    const wallet = createWalletClient({ account: account!, chain: chainDef, transport: http(chain.url) });
    const deployHash = await wallet.deployContract({ abi, bytecode, args: [] });
    const token = (await pub.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
    for (let i = 0; i < 8; i++) {
      const hash = await wallet.writeContract({ address: token, abi, functionName: "mint", args: [account!, 1n] });
      await pub.waitForTransactionReceipt({ hash });
    }
    const head = await pub.getBlockNumber();
    const realLogs = await pub.getLogs({ address: token, fromBlock: 0n, toBlock: "latest" });
    assert.equal(realLogs.length, 8);

    const p = await proxy({ target: chain.url, seed: 7, policy: { lagBlocks: 5 } });
    const lagged = createPublicClient({ chain: chainDef, transport: http(p.url) });
    assert.equal(await lagged.getBlockNumber({ cacheTime: 0 }), head - 5n);
    assert.equal((await lagged.getBlock({ blockTag: "latest" })).number, head - 5n);
    const hidden = await rpc(p.url, "eth_getBlockByNumber", [`0x${head.toString(16)}`, false]);
    assert.equal(((await hidden.json()) as { result: unknown }).result, null);
    const logs = await lagged.getLogs({ address: token, fromBlock: 0n, toBlock: "latest" });
    assert.equal(logs.length, 3);
    assert.ok(logs.every((l) => l.blockNumber! <= head - 5n));
    const beyond = await lagged.getLogs({ address: token, fromBlock: head - 2n, toBlock: head });
    assert.equal(beyond.length, 0);
    assert.ok(p.counters.lagged >= 5);
    assert.equal(p.faultsInjected(), p.counters.lagged);
  });

  it("a retrying viem client gets the true answers through random faults", async () => {
    const p = await proxy({
      target: chain.url,
      seed: 8,
      policy: { drop: 0.1, rateLimit: 0.1, serverError: 0.1, truncate: 0.1, delay: 0.1, delayMs: [1, 30] },
    });
    const direct = createPublicClient({ transport: http(chain.url) });
    const faulty = createPublicClient({ transport: http(p.url, { retryCount: 20, retryDelay: 5 }) });
    const erc20 = parseAbi(["function decimals() view returns (uint8)"]);
    // Counted: answers that differ from the direct node's, and calls that failed despite retries.
    let wrong = 0;
    let failed = 0;
    for (let i = 0; i < 30; i++) {
      const [a, b] = await Promise.all([
        direct.getBlock({ blockTag: "latest" }),
        faulty.getBlock({ blockTag: "latest" }).catch(() => undefined),
      ]);
      if (b === undefined) failed++;
      else if (b.hash !== a.hash) wrong++;
    }
    await assert.rejects(
      faulty.readContract({ address: `0x${"00".repeat(20)}`, abi: erc20, functionName: "decimals" }),
    );
    record({
      category: "rpc: viem client through the fault proxy",
      faultsInjected: p.faultsInjected(),
      recoveries: 30 - failed - wrong,
      dataLost: wrong,
      crashes: failed,
      details: { counters: { ...p.counters } },
    });
    assert.deepEqual({ wrong, failed }, { wrong: 0, failed: 0 }, "answers through the proxy");
    assert.ok(p.faultsInjected() > 0, "no fault was injected");
    assert.ok(p.counters.forwarded >= 30);
  });
});
