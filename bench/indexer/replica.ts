/**
 * Replica part of `bench:indexer`: a PostgreSQL streaming replica in a second pair of clusters
 * the bench starts itself (initdb, pg_basebackup -R, as the postgres user, on free local ports,
 * removed afterwards; the machine's own cluster is not touched). A populated feed database on
 * the primary; one read-only indexer on the primary and one on the replica answer the same
 * queries (checked equal), measured in interleaved rounds (the reader on the primary is the
 * baseline of the same round); the replica's lag (a commit on the primary until it is visible
 * on the replica) and a subscription on the replica reader following a change committed on the
 * primary.
 */
import pg from "pg";
import { createIndexer } from "../../indexer/src/createIndexer.ts";
import { replicaUnavailable, startReplicaPair } from "../../indexer/src/testing/replica.ts";
import { round, summarize } from "../lib/stats.ts";
import { CONFIG, log, pub, withCleanup, type Pub } from "./common.ts";
import { QUERIES, measure } from "./graphql.ts";
import { fakeDeployment } from "../../test/kit/fakeDeployment.ts";
import { populate } from "./populate.ts";

export interface ReplicaFigures {
  status: "measured" | "unavailable";
  reason?: string;
  providers?: number;
  /** A commit on the primary until the replica shows it (ms), over several commits. */
  replicationLagMs?: Pub;
  /** A change committed on the primary until a subscriber of the replica reader receives it (ms). */
  subscriptionViaReplicaMs?: Pub;
  answersEqual?: boolean;
  queries?: Record<
    string,
    { primaryRequestsPerSecond: Pub; replicaRequestsPerSecond: Pub; replicaOverPrimary: Pub; replicaP99Ms: Pub }
  >;
  notes?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function replica(): Promise<ReplicaFigures> {
  const unavailable = replicaUnavailable();
  if (unavailable) return { status: "unavailable", reason: unavailable };
  const pair = await startReplicaPair("dvpn_bench");
  return withCleanup(pair.stop, async () => {
    const { primaryUrl, replicaUrl } = pair;
    const P = CONFIG.replicaProviders;
    await populate(primaryUrl, Math.floor(Date.now() / 1000), P, P * CONFIG.sessionsPerProvider);
    const primary = new pg.Client({ connectionString: primaryUrl });
    const standby = new pg.Client({ connectionString: replicaUrl });
    await primary.connect();
    await standby.connect();
    try {
      const inRecovery = (await standby.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r")).rows[0]!.r;
      if (!inRecovery) throw new Error("replica: the second cluster is not a standby");
      // Lag: a commit on the primary until the replica shows it.
      const blockOf = async (c: pg.Client) =>
        Number((await c.query<{ b: number }>(`SELECT "blockNumber" AS b FROM checkpoint WHERE id = 1`)).rows[0]?.b);
      const commitAndWait = async (block: number, watch: () => boolean | Promise<boolean>) => {
        await primary.query(`UPDATE checkpoint SET "blockNumber" = $1, "blockHash" = $2 WHERE id = 1`, [
          block,
          `0x${block.toString(16).padStart(64, "0")}`,
        ]);
        const t0 = performance.now();
        for (let i = 0; i < 30_000 && !(await watch()); i++) await sleep(1);
        return performance.now() - t0;
      };
      let block = 1000;
      await commitAndWait(++block, async () => (await blockOf(standby)) === block);
      const lags: number[] = [];
      for (let i = 0; i < 20; i++)
        lags.push(await commitAndWait(++block, async () => (await blockOf(standby)) === block));
      const common = {
        rpcUrl: "http://127.0.0.1:1",
        deployment: fakeDeployment(),
        port: 0,
        logLevel: "silent",
        readOnly: true,
        pollIntervalMs: 250,
      };
      const onPrimary = createIndexer({ ...common, databaseUrl: primaryUrl });
      const onReplica = createIndexer({ ...common, databaseUrl: replicaUrl });
      await onPrimary.start();
      await onReplica.start();
      try {
        const post = async (url: string, query: string) =>
          (await (
            await fetch(url, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ query }),
            })
          ).json()) as { data?: Record<string, unknown> };
        let answersEqual = true;
        for (const q of QUERIES) {
          const [a, b] = [await post(onPrimary.url, q.query), await post(onReplica.url, q.query)];
          if (!a.data || !q.check(a.data)) throw new Error(`replica part: ${q.key} failed on the primary`);
          if (JSON.stringify(a) !== JSON.stringify(b)) answersEqual = false;
        }
        // A subscription on the replica reader, following a provider changed on the primary.
        const sub = await fetch(onReplica.url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify({
            query: `subscription { providerAvailability(id: "0x${(5).toString(16).padStart(40, "0")}") { activeSessions } }`,
          }),
        });
        const reader = sub.body!.getReader();
        let events = 0;
        let text = "";
        const pump = (async () => {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            text += new TextDecoder().decode(value);
            events = (text.match(/^event: next$/gm) ?? []).length;
          }
        })().catch(() => {});
        for (let i = 0; i < 600 && events < 1; i++) await sleep(50);
        const viaReplica: number[] = [];
        for (let i = 0; i < 5; i++) {
          const want = events + 1;
          await primary.query(`UPDATE providers SET "activeSessions" = ("activeSessions" + 1) % 7 WHERE id = $1`, [
            `0x${(5).toString(16).padStart(40, "0")}`,
          ]);
          viaReplica.push(await commitAndWait(++block, () => events >= want));
          await sleep(200);
        }
        await reader.cancel().catch(() => {});
        await pump;
        // Throughput: reader on the primary (baseline) and on the replica, interleaved rounds.
        const runs = new Map<string, { p: number[]; r: number[]; p99: number[] }>();
        for (const q of QUERIES) {
          await measure(onPrimary.url, q.query, CONFIG.warmup);
          await measure(onReplica.url, q.query, CONFIG.warmup);
          runs.set(q.key, { p: [], r: [], p99: [] });
        }
        for (let round_ = 0; round_ < CONFIG.graphqlRounds; round_++) {
          for (const q of QUERIES) {
            const first = round_ % 2 === 0 ? onPrimary : onReplica;
            const second = first === onPrimary ? onReplica : onPrimary;
            const a = await measure(first.url, q.query, { duration: CONFIG.seconds });
            const b = await measure(second.url, q.query, { duration: CONFIG.seconds });
            const [pr, rr] = first === onPrimary ? [a, b] : [b, a];
            const x = runs.get(q.key)!;
            x.p.push(pr.requestsPerSecond);
            x.r.push(rr.requestsPerSecond);
            x.p99.push(rr.p99Ms);
          }
        }
        const figures: ReplicaFigures = {
          status: "measured",
          providers: P,
          replicationLagMs: pub(summarize(lags), 3),
          subscriptionViaReplicaMs: pub(summarize(viaReplica), 3),
          answersEqual,
          queries: Object.fromEntries(
            [...runs].map(([k, x]) => [
              k,
              {
                primaryRequestsPerSecond: pub(summarize(x.p)),
                replicaRequestsPerSecond: pub(summarize(x.r)),
                replicaOverPrimary: pub(summarize(x.r.map((r, i) => r / x.p[i]!)), 3),
                replicaP99Ms: pub(summarize(x.p99), 3),
              },
            ]),
          ),
          notes:
            `Two clusters started by the bench (initdb, pg_basebackup -R, WAL streamed; fsync off; same 2 cores as ` +
            `everything else), ${P} providers populated on the primary. Both readers are read-only indexers in ` +
            `the bench process (live poll 250 ms); the one on the replica checks the schema instead of migrating ` +
            `(a standby cannot write). Live updates on the replica reader come from its poll of the replicated ` +
            `checkpoint (NOTIFY does not reach a standby). replicationLagMs: an UPDATE committed on the primary until ` +
            `a 1 ms poll on the replica sees it (20 commits); subscriptionViaReplicaMs: the same until the replica ` +
            `reader's SSE subscriber gets the event (5 commits).`,
        };
        log(
          `replica: lag p50 ${figures.replicationLagMs!.median} ms, subscription via replica ${figures.subscriptionViaReplicaMs!.median} ms, ` +
            `answers equal ${answersEqual}; replica/primary req/s: ` +
            [...runs].map(([k]) => `${k} ${figures.queries![k]!.replicaOverPrimary.median}`).join(", "),
        );
        return figures;
      } finally {
        await onReplica.stop();
        await onPrimary.stop();
      }
    } finally {
      await primary.end();
      await standby.end();
    }
  });
}
