/**
 * `poolSize` bounds an instance's PostgreSQL connections: under many concurrent GraphQL requests
 * (the answer cache off, so each reads the database) an indexing instance with pools of 2 never
 * has more than 3 × 2 + 2 connections open on its database, and answers every request.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { createIndexer, type Indexer } from "../createIndexer.ts";
import { gql, registerProvider, startTestChain, type TestChain } from "../../../test/kit/testChain.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/kit/postgres.ts";

const POOL = 2;
let chain: TestChain;
let db: TestDatabase;
let indexer: Indexer | undefined;

before(async () => {
  chain = await startTestChain({ fund: 3 });
  for (const [i, region] of ["DE", "US", "FR"].entries())
    await registerProvider(chain, chain.accounts[i + 1]!, i + 1, region);
  db = await createTestDatabase();
});

after(async () => {
  await indexer?.stop();
  await chain?.stop();
  await db?.drop();
});

test(`pools of ${POOL} keep an instance within ${3 * POOL + 2} connections under load`, async () => {
  indexer = createIndexer({
    rpcUrl: chain.url,
    deployment: chain.deployment,
    databaseUrl: db.url,
    port: 0,
    pollIntervalMs: 50,
    logLevel: "silent",
    resultCacheMiB: 0,
    poolSize: POOL,
  });
  await indexer.start();
  await indexer.ready;
  const [p1] = chain.accounts.slice(1);
  const queries = [
    `{ providers(first: 10, orderBy: score, orderDirection: desc, where: { region: "DE" }) { items { id reputation { uptime24h } } totalCount } }`,
    `{ provider(id: "${p1}") { id endpoint reputation { score uptime7d } } }`,
    `{ networkStats { providers providersOnline activeSessions } }`,
    `{ sessions(first: 5) { items { id } totalCount } }`,
  ];
  const sampler = new pg.Client({ connectionString: db.url });
  await sampler.connect();
  let most = 0;
  let sampling = true;
  const sampled = (async () => {
    while (sampling) {
      const r = await sampler.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
      );
      most = Math.max(most, r.rows[0]!.n);
    }
  })();
  try {
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => gql(indexer!.url, queries[i % queries.length]!)),
      );
      for (const a of answers) assert.equal(a.errors, undefined, JSON.stringify(a.errors));
    }
  } finally {
    sampling = false;
    await sampled;
    await sampler.end();
  }
  assert.ok(most <= 3 * POOL + 2, `${most} connections open at once`);
  // The load filled more than the LISTEN and lock connections and one pool: the bound is what held it.
  assert.ok(most > POOL + 2, `only ${most} connections were ever open`);
});
