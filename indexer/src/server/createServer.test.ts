/**
 * The HTTP surface: bad queries get clear errors and the server keeps serving; /healthz,
 * /ready, /metrics; SSE subscriptions for a provider's availability and a session's state.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { toHex, type Address } from "viem";
import { providerRegistryAbi, sessionEscrowAbi } from "../../../sdk/src/abi/index.ts";
import { createIndexer, type Indexer } from "../createIndexer.ts";
import { DVPN, USD, gql, startTestChain, waitFor, type TestChain } from "../../../test/kit/testChain.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/kit/postgres.ts";

describe("GraphQL server", () => {
  let chain: TestChain;
  let indexer: Indexer;
  let p1: Address;
  const dataDir = mkdtempSync(join(tmpdir(), "dvpn-server-"));

  before(async () => {
    chain = await startTestChain({ fund: 3 });
    p1 = chain.accounts[1]!;
    await chain.send(p1, chain.deployment.contracts.ProviderRegistry.address, providerRegistryAbi, "register", [
      "a.example:51820",
      toHex(9, { size: 32 }),
      toHex("NL", { size: 2 }),
      USD("0.05"),
      USD("0.001"),
      1,
      DVPN(2000),
    ]);
    indexer = createIndexer({
      rpcUrl: chain.url,
      deployment: chain.deployment,
      dataDir,
      port: 0,
      pollIntervalMs: 50,
      logLevel: "silent",
      maxDepth: 5,
    });
    await indexer.start();
    await indexer.ready;
  });

  after(async () => {
    await indexer?.stop();
    await chain?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const expectError = async (query: string, pattern: RegExp) => {
    const res = await gql(indexer.url, query);
    assert.ok(res.errors?.length, `expected an error for ${query}`);
    assert.match(res.errors![0]!.message, pattern);
    assert.equal(res.data?.providers ?? undefined, undefined);
  };

  test("bad queries are refused with clear messages and the server keeps serving", async () => {
    await expectError(
      `{ providers { items { sessions { items { claims { totalBytes } } } } } }`,
      /too deep: depth 6 exceeds the limit of 5/,
    );
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: _meta { chainId }`).join(" ");
    await expectError(`{ ${aliases} }`, /too many aliases: 31 exceeds the limit of 30/);
    await expectError(
      `{ providers(first: 1000) { items { sessions(first: 1000) { items { id } } } } }`,
      /too expensive/,
    );
    // A fragment bomb: 40 fragments each spreading the next twice (2^40 expanded fields).
    let bomb = "{ ...F0 }\n";
    for (let i = 0; i < 40; i++) bomb += `fragment F${i} on Query { _meta { chainId } ...F${i + 1} ...F${i + 1} }\n`;
    bomb += "fragment F40 on Query { _meta { chainId } }\n";
    await expectError(bomb, /too expensive|too many/);
    await expectError(`{ providers(first: 1001) { totalCount } }`, /first must be between 1 and 1000/);
    await expectError(`{ providers(first: 0) { totalCount } }`, /first must be between 1 and 1000/);
    await expectError(`{ provider(id: "0x1234") { id } }`, /id must be a 0x-prefixed 20-byte hex address/);
    await expectError(`{ providers(after: "not a cursor!") { totalCount } }`, /invalid cursor/);
    await expectError(`{ providers(after: "eyJ4IjoxfQ") { totalCount } }`, /invalid cursor/);
    await expectError(`{ session(id: "-1") { id } }`, /BigInt must be a non-negative integer/);
    await expectError(
      `{ providers(where: { region: "Germany" }) { totalCount } }`,
      /region must be an ISO 3166-1 alpha-2 code/,
    );
    await expectError(`{ nope }`, /Cannot query field "nope"/);
    const huge = await fetch(indexer.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ _meta { chainId } } # ${"x".repeat(200_000)}` }),
    });
    assert.equal(huge.status, 413);
    assert.match(JSON.stringify(await huge.json()), /request too large/);
    // A body of unannounced length (chunked) is bounded the same way, and answered when within the bound.
    const chunkedPost = (chunks: string[], accept = "application/json") =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const headers = { "content-type": "application/json", accept };
        const req = request(indexer.url, { method: "POST", headers }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        for (const c of chunks) req.write(c);
        req.end();
      });
    const query = JSON.stringify({ query: `{ _meta { chainId } }` });
    const small = await chunkedPost([query.slice(0, 5), query.slice(5)]);
    assert.equal(small.status, 200);
    assert.match(small.body, /"chainId":\d+/);
    const hugeChunked = await chunkedPost([query.slice(0, -1), ` ${" ".repeat(60_000)}`, ` ${" ".repeat(60_000)}}`]);
    assert.equal(hugeChunked.status, 413);
    assert.match(hugeChunked.body, /request too large/);
    // The same for a request asking for an event stream.
    const hugeStream = await chunkedPost(
      [query.slice(0, -1), ` ${" ".repeat(60_000)}`, ` ${" ".repeat(60_000)}}`],
      "text/event-stream",
    );
    assert.equal(hugeStream.status, 413);
    // Values of up to the 100 KB body limit are echoed as a short prefix and their length, naming what was wrong.
    const big = "A".repeat(90_000);
    const bounded = async (query: string, pattern: RegExp, variables: Record<string, unknown> = {}) => {
      const res = await gql(indexer.url, query, variables);
      const message = res.errors?.[0]?.message ?? "";
      assert.ok(message.length < 300, `${message.length} chars for ${query.slice(0, 60)}`);
      assert.match(message, pattern);
      assert.ok(JSON.stringify(res).length < 1000, `answer of ${JSON.stringify(res).length} bytes`);
    };
    await bounded(
      `{ provider(id: "${big}") { id } }`,
      /^id must be a 0x-prefixed 20-byte hex address \(got "A{63}…" \(90000 chars\)\)$/,
    );
    await bounded(
      `query($r: String) { providers(where: { region: $r }) { totalCount } }`,
      /^region must be an ISO 3166-1 alpha-2 code such as "DE" \(got "A{63}…" \(90000 chars\)\)$/,
      { r: big },
    );
    await bounded(
      `{ sessions(after: "${"QUFB".repeat(20_000)}") { totalCount } }`,
      /^invalid cursor: pass pageInfo.endCursor/,
    );
    await bounded(`{ sessions(after: "${big}!") { totalCount } }`, /^invalid cursor: pass pageInfo.endCursor/);
    await bounded(
      `{ providers(orderBy: ${big}) { totalCount } }`,
      /^Value "A{63}…" \(90000 chars\) does not exist in "ProviderOrderBy" enum/,
    );
    await bounded(
      `{ sessions(where: { status: "${big}" }) { totalCount } }`,
      /^Enum "SessionStatus" cannot represent non-enum value: "A{63}…" \(90000 chars\)/,
    );
    await bounded(
      `{ session(id: "${"9".repeat(90_000)}") { id } }`,
      /^BigInt must be a non-negative integer below 2\^256, as a decimal string \(got "9{63}…" \(90000 chars\)\)$/,
    );
    const ok = await gql(indexer.url, `{ provider(id: "${p1.toLowerCase()}") { id region } _meta { chainId } }`);
    assert.equal(ok.errors, undefined);
    assert.equal(ok.data.provider.id, p1);
    assert.equal(ok.data._meta.chainId, 31337);
  });

  test("/healthz, /ready and /metrics", async () => {
    const base = indexer.url.replace(/\/graphql$/, "");
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/ready`)).status, 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      "dvpn_indexer_head_lag_blocks",
      "dvpn_indexer_indexed_block",
      "dvpn_indexer_rpc_requests_total",
      "dvpn_indexer_http_request_duration_seconds_bucket",
    ]) {
      assert.match(metrics, new RegExp(`^${name}`, "m"), name);
    }
    const graphiql = await fetch(indexer.url, { headers: { accept: "text/html" } });
    assert.equal(graphiql.status, 200);
    assert.match(await graphiql.text(), /graphiql/i);
  });

  test("/ready answers 503 while nothing is indexed", async () => {
    const db: TestDatabase = await createTestDatabase();
    const reader = createIndexer({
      rpcUrl: chain.url,
      deployment: chain.deployment,
      databaseUrl: db.url,
      port: 0,
      logLevel: "silent",
      readOnly: true,
    });
    try {
      await reader.start();
      const res = await fetch(reader.url.replace(/\/graphql$/, "/ready"));
      assert.equal(res.status, 503);
      assert.equal((await gql(reader.url, "{ _meta { block { number } } }")).data._meta.block, null);
    } finally {
      await reader.stop();
      await db.drop();
    }
  });

  test("SSE subscriptions follow a provider's availability and a session's state", async () => {
    const esc = chain.deployment.contracts.SessionEscrow.address;
    const client = chain.accounts[2]!;
    const controller = new AbortController();
    const subscribe = async (query: string) => {
      const res = await fetch(`${indexer.url}?query=${encodeURIComponent(query)}`, {
        headers: { accept: "text/event-stream" },
        signal: controller.signal,
      });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      return async function next(): Promise<Record<string, unknown>> {
        const deadline = Date.now() + 30_000;
        for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
          const m = /(?:^|\n)data: (.*)\n\n/.exec(buffer);
          if (m) {
            buffer = buffer.slice(m.index + m[0].length);
            return JSON.parse(m[1]!).data;
          }
          const { value, done } = await Promise.race([
            reader.read(),
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error("no event within 30 s")), Math.max(0, deadline - Date.now())).unref(),
            ),
          ]);
          if (done) throw new Error("stream ended");
          buffer += decoder.decode(value);
        }
        throw new Error("no event");
      };
    };
    try {
      const availability = await subscribe(
        `subscription { providerAvailability(id: "${p1}") { available activeSessions } }`,
      );
      assert.deepEqual((await availability()).providerAvailability, { available: true, activeSessions: 0 });
      await chain.send(client, esc, sessionEscrowAbi, "openSession", [
        p1,
        toHex(77, { size: 32 }),
        client,
        USD(2),
        USD(1),
        USD(1),
      ]);
      const session = await subscribe(`subscription { session(id: "1") { status tunnelAddress } }`);
      assert.deepEqual((await session()).session, { status: "Pending", tunnelAddress: null });
      await chain.send(p1, esc, sessionEscrowAbi, "acceptSession", [1n, "10.9.0.2/32"]);
      assert.deepEqual((await session()).session, { status: "Active", tunnelAddress: "10.9.0.2/32" });
      // Capacity 1: a pending session holds no slot; the accepted one makes the provider unavailable.
      assert.deepEqual((await availability()).providerAvailability, { available: false, activeSessions: 1 });
    } finally {
      controller.abort();
    }
    await waitFor(
      "server still answering",
      async () => (await gql(indexer.url, "{ _meta { chainId } }")).data?._meta.chainId === 31337,
    );
  });
});
