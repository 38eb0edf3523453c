/**
 * A reader on a PostgreSQL streaming replica: a writer indexes a chain into a primary, a
 * read-only instance serves from the primary's hot standby (two clusters the test starts and
 * removes) and must answer like the writer's instance and deliver a subscription; a standby
 * without the schema is refused with a clear error.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import type { Address } from "viem";
import { providerRegistryAbi } from "../../../sdk/src/abi/index.ts";
import { createIndexer, type Indexer } from "../createIndexer.ts";
import { gql, registerProvider, startTestChain, waitFor, type TestChain } from "../../../test/kit/testChain.ts";
import { replicaUnavailable, startReplicaPair, type ReplicaPair } from "../testing/replica.ts";

const unavailable = replicaUnavailable();

describe("reader on a streaming replica", { skip: unavailable ?? false }, () => {
  let chain: TestChain;
  let pair: ReplicaPair;
  let writer: Indexer;
  let reader: Indexer;
  let providers: Address[];
  const common = () => ({
    rpcUrl: chain.url,
    deployment: chain.deployment,
    port: 0,
    logLevel: "silent",
    pollIntervalMs: 100,
    finalityDepth: 4,
  });

  before(async () => {
    chain = await startTestChain({ fund: 3 });
    pair = await startReplicaPair();
    providers = chain.accounts.slice(1, 3) as Address[];
    for (const [i, p] of providers.entries()) {
      await registerProvider(chain, p, i + 1, ["DE", "US"][i]!, 10);
    }
    writer = createIndexer({ ...common(), databaseUrl: pair.primaryUrl });
    await writer.start();
    await writer.ready;
    reader = createIndexer({ ...common(), databaseUrl: pair.replicaUrl, readOnly: true });
    await reader.start();
    await reader.ready;
  });

  after(async () => {
    await reader?.stop();
    await writer?.stop();
    await pair?.stop();
    await chain?.stop();
  });

  const QUERY = `{ _meta { block { number hash } }
    providers(orderBy: score, orderDirection: desc, first: 10) { totalCount items { id region stake availability { available lastHeartbeat } } }
    networkStats { providers providersOnline totalStake byRegion { region providers } } }`;

  test("the replica reader answers like the writer's instance", async () => {
    const head = await chain.latest();
    await waitFor(
      "writer at head",
      async () => (await gql(writer.url, QUERY)).data?._meta.block.number === head.number,
    );
    const want = (await gql(writer.url, QUERY)).data;
    assert.equal(want.providers.totalCount, 2);
    assert.equal(want.networkStats.providers, 2);
    const got = await waitFor("replica reader at the writer's block", async () => {
      const r = (await gql(reader.url, QUERY)).data;
      return r?._meta.block.number === head.number ? r : undefined;
    });
    assert.deepEqual(got, want);
    // The lag is visible on the replica reader only.
    const meta = `{ _meta { replicaLagSeconds } }`;
    assert.equal((await gql(writer.url, meta)).data._meta.replicaLagSeconds, null);
    const lag = (await gql(reader.url, meta)).data._meta.replicaLagSeconds;
    assert.equal(typeof lag, "number");
    assert.ok(lag >= 0 && lag < 60, `replica lag ${lag} s`);
    const metrics = await (await fetch(reader.url.replace(/\/graphql$/, "/metrics"))).text();
    assert.match(metrics, /^dvpn_indexer_replica_lag_seconds \d/m);
    const writerMetrics = await (await fetch(writer.url.replace(/\/graphql$/, "/metrics"))).text();
    assert.doesNotMatch(writerMetrics, /^dvpn_indexer_replica_lag_seconds /m);
  });

  test("the replica reader delivers a subscription for a block the writer indexed", async () => {
    const controller = new AbortController();
    const query = `subscription { providerAvailability(id: "${providers[0]}") { lastHeartbeat } }`;
    const res = await fetch(`${reader.url}?query=${encodeURIComponent(query)}`, {
      headers: { accept: "text/event-stream" },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const stream = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const next = async (): Promise<{ providerAvailability: { lastHeartbeat: number } }> => {
      for (let i = 0; i < 2000; i++) {
        const m = /(?:^|\n)data: (.*)\n\n/.exec(buffer);
        if (m) {
          buffer = buffer.slice(m.index + m[0].length);
          return JSON.parse(m[1]!).data;
        }
        const { value, done } = await stream.read();
        if (done) throw new Error("stream ended");
        buffer += decoder.decode(value);
      }
      throw new Error("no event");
    };
    try {
      const first = await next();
      await chain.increaseTime(60);
      const beat = await chain.send(
        providers[0]!,
        chain.deployment.contracts.ProviderRegistry.address,
        providerRegistryAbi,
        "heartbeat",
        [],
      );
      assert.ok(beat.timestamp > first.providerAvailability.lastHeartbeat);
      const second = await next();
      assert.equal(second.providerAvailability.lastHeartbeat, beat.timestamp);
    } finally {
      controller.abort();
    }
  });

  test("an indexing instance on the replica is refused: a standby takes readers only", async () => {
    const wrong = createIndexer({ ...common(), databaseUrl: pair.replicaUrl });
    await assert.rejects(wrong.start(), /read-only hot standby.*--read-only/);
    await wrong.stop().catch(() => {});
  });

  test("a reader on a standby without the schema is refused with a clear error", async () => {
    const admin = new pg.Client({ connectionString: pair.primaryUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "empty"`);
    } finally {
      await admin.end();
    }
    const url = new URL(pair.replicaUrl);
    url.pathname = "/empty";
    // The new database reaches the standby by streaming: wait until it can be opened there.
    await waitFor("empty database on the replica", async () => {
      const c = new pg.Client({ connectionString: url.toString() });
      try {
        await c.connect();
        return true;
      } catch {
        return false;
      } finally {
        await c.end().catch(() => {});
      }
    });
    const lone = createIndexer({ ...common(), databaseUrl: url.toString(), readOnly: true });
    await assert.rejects(
      lone.start(),
      /read-only standby without migrations 0001_init.*start the writer on the primary/,
    );
    await lone.stop().catch(() => {});
  });
});
