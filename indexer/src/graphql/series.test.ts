/**
 * The feed's time series (`networkSeries`, `Provider.series`) on the scripted scenario, indexed
 * into PGlite and into PostgreSQL: every bucket checked against figures computed here from the
 * scenario's facts and the chain's UsageClaimed / SessionSettled logs; day buckets against the
 * sum of their hours; bad arguments refused with a clear error.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Address } from "viem";
import { sessionEscrowAbi } from "../../../sdk/src/abi/index.ts";
import { HOUR, hourOf } from "../indexing/reputation.ts";
import { gql, startTestChain, type TestChain } from "../../../test/kit/testChain.ts";
import { coveredSeconds, median } from "../testing/expected.ts";
import { DATABASE_TARGETS, indexOnBothDatabases, type BothDatabases } from "../testing/bothDatabases.ts";
import { playScenario, type ScenarioFacts } from "../../../test/kit/scenario.ts";

interface Expected {
  sessionsOpened: number;
  sessionsSettled: number;
  claims: number;
  bytes: bigint;
  volume: bigint;
}

const NETWORK = `query($bucket: SeriesBucket, $from: Int, $to: Int, $region: String) {
  networkSeries(bucket: $bucket, from: $from, to: $to, region: $region) {
    start sessionsOpened sessionsSettled claims bytes volume providersOnline } }`;
const PROVIDER = `query($id: String!, $bucket: SeriesBucket, $from: Int, $to: Int) { provider(id: $id) {
  series(bucket: $bucket, from: $from, to: $to) {
    start uptime heartbeats sessionsOpened sessionsAccepted medianAcceptSeconds maxAcceptSeconds bytes volume } } }`;

describe("time series on a scripted scenario", () => {
  let chain: TestChain;
  let facts: ScenarioFacts;
  let targets: BothDatabases;
  let now = 0;
  /** Claims and settlements read from the chain: [timestamp, provider, bytes added, amount]. */
  const claims: { t: number; provider: Address; bytes: bigint; amount: bigint }[] = [];
  const settled: { t: number; provider: Address }[] = [];

  before(async () => {
    chain = await startTestChain();
    facts = await playScenario(chain);
    targets = await indexOnBothDatabases(chain);
    now = targets.head.timestamp;

    const escrow = chain.deployment.contracts.SessionEscrow.address;
    const time = new Map<bigint, number>();
    const at = async (blockNumber: bigint) => {
      if (!time.has(blockNumber))
        time.set(blockNumber, Number((await chain.publicClient.getBlock({ blockNumber })).timestamp));
      return time.get(blockNumber)!;
    };
    const claimed = await chain.publicClient.getContractEvents({
      address: escrow,
      abi: sessionEscrowAbi,
      eventName: "UsageClaimed",
      fromBlock: 0n,
    });
    const total = new Map<bigint, bigint>();
    for (const log of claimed) {
      const a = log.args as { sessionId: bigint; provider: Address; totalBytes: bigint; amount: bigint };
      const before = total.get(a.sessionId) ?? 0n;
      total.set(a.sessionId, BigInt(a.totalBytes));
      claims.push({
        t: await at(log.blockNumber),
        provider: a.provider,
        bytes: BigInt(a.totalBytes) - before,
        amount: a.amount,
      });
    }
    const settledLogs = await chain.publicClient.getContractEvents({
      address: escrow,
      abi: sessionEscrowAbi,
      eventName: "SessionSettled",
      fromBlock: 0n,
    });
    for (const log of settledLogs) {
      const a = log.args as { provider: Address; paid: bigint };
      if (a.paid > 0n) settled.push({ t: await at(log.blockNumber), provider: a.provider });
    }
  });

  after(async () => {
    await targets?.stop();
    await chain?.stop();
  });

  /** The first and last hour the scenario touched. */
  const span = () => {
    const first = hourOf(Math.min(...Object.values(facts.heartbeats).flat()));
    return { first, last: hourOf(now), hours: (hourOf(now) - first) / HOUR + 1 };
  };

  /** The activity of one hour as the facts and the chain's logs give it. */
  function expectedHour(start: number, inRegion: (p: Address) => boolean): Expected {
    const inHour = (t: number) => t >= start && t < start + HOUR;
    const c = claims.filter((x) => inHour(x.t) && inRegion(x.provider));
    return {
      sessionsOpened: facts.sessions.filter((s) => inHour(s.openedAt) && inRegion(s.provider)).length,
      sessionsSettled: settled.filter((s) => inHour(s.t) && inRegion(s.provider)).length,
      claims: c.length,
      bytes: c.reduce((sum, x) => sum + x.bytes, 0n),
      volume: c.reduce((sum, x) => sum + x.amount, 0n),
    };
  }

  for (const which of DATABASE_TARGETS) {
    const url = () => targets.urls[which];

    test(`${which}: networkSeries by hour equals the scenario's sessions, claims and heartbeats`, async () => {
      const { first, hours } = span();
      assert.ok(hours >= 2, `the scenario spans ${hours} hour(s)`);
      const res = await gql(url(), NETWORK, { from: first });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const series = res.data.networkSeries as Record<string, unknown>[];
      assert.deepEqual(
        series.map((b) => b.start),
        Array.from({ length: hours }, (_, i) => first + i * HOUR),
      );
      let opened = 0;
      for (const b of series) {
        const start = b.start as number;
        const want = expectedHour(start, () => true);
        assert.deepEqual(
          {
            sessionsOpened: b.sessionsOpened,
            sessionsSettled: b.sessionsSettled,
            claims: b.claims,
            bytes: BigInt(b.bytes as string),
            volume: BigInt(b.volume as string),
          },
          want,
          `hour ${start}`,
        );
        opened += b.sessionsOpened as number;
        const passed = Math.min(start + HOUR, now) - start;
        const online = Object.values(facts.heartbeats).reduce(
          (sum, beats) => sum + coveredSeconds(beats, start, start + passed),
          0,
        );
        assert.ok(
          Math.abs((b.providersOnline as number) - online / passed) < 1e-9,
          `hour ${start}: ${b.providersOnline} providers online, expected ${online / passed}`,
        );
      }
      assert.equal(opened, facts.sessions.length);
      assert.ok(series.some((b) => (b.providersOnline as number) > 1));
    });

    test(`${which}: networkSeries by region, by day and with the default range`, async () => {
      const { first, last } = span();
      const de = (p: Address) => facts.regions[p] === "DE";
      const regional = (await gql(url(), NETWORK, { from: first, region: "de" })).data.networkSeries as {
        start: number;
        sessionsOpened: number;
        bytes: string;
      }[];
      for (const b of regional) {
        const want = expectedHour(b.start, de);
        assert.equal(b.sessionsOpened, want.sessionsOpened, `DE hour ${b.start}`);
        assert.equal(BigInt(b.bytes), want.bytes, `DE hour ${b.start}`);
      }
      assert.ok(regional.some((b) => b.sessionsOpened > 0));

      const hourly = (await gql(url(), NETWORK, { from: first - 2 * 86400 })).data.networkSeries as {
        start: number;
        sessionsOpened: number;
        claims: number;
        bytes: string;
      }[];
      const daily = (await gql(url(), NETWORK, { bucket: "day", from: first - 2 * 86400 })).data.networkSeries as {
        start: number;
        sessionsOpened: number;
        claims: number;
        bytes: string;
        providersOnline: number | null;
      }[];
      assert.equal(daily.length, Math.floor(now / 86400) - Math.floor((first - 2 * 86400) / 86400) + 1);
      for (const d of daily) {
        assert.equal(d.start % 86400, 0);
        const hours = hourly.filter((x) => x.start >= d.start && x.start < d.start + 86400);
        assert.equal(
          d.sessionsOpened,
          hours.reduce((s, x) => s + x.sessionsOpened, 0),
          `day ${d.start}`,
        );
        assert.equal(
          d.claims,
          hours.reduce((s, x) => s + x.claims, 0),
          `day ${d.start}`,
        );
        assert.equal(
          BigInt(d.bytes),
          hours.reduce((s, x) => s + BigInt(x.bytes), 0n),
          `day ${d.start}`,
        );
      }
      assert.equal(
        daily.reduce((s, d) => s + d.sessionsOpened, 0),
        facts.sessions.length,
      );

      const byDefault = (await gql(url(), NETWORK)).data.networkSeries as { start: number }[];
      assert.equal(byDefault.length, 24);
      assert.equal(byDefault.at(-1)!.start, last);
    });

    test(`${which}: Provider.series gives each hour's uptime, heartbeats and acceptance latency`, async () => {
      const { first, hours } = span();
      for (const [name, p] of Object.entries(facts.providers)) {
        const res = await gql(url(), PROVIDER, { id: p, from: first - HOUR });
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        const series = res.data.provider.series as Record<string, number | string | null>[];
        assert.equal(series.length, hours + 1);
        const beats = facts.heartbeats[p]!;
        const registeredAt = beats[0]!;
        for (const b of series) {
          const start = b.start as number;
          const inHour = (t: number) => t >= start && t < start + HOUR;
          const from = Math.max(start, registeredAt);
          const until = Math.min(start + HOUR, now);
          if (until <= from) assert.equal(b.uptime, null, `${name} hour ${start}: before registration`);
          else {
            const want = coveredSeconds(beats, from, until) / (until - from);
            assert.ok(Math.abs((b.uptime as number) - want) < 1e-9, `${name} hour ${start}: ${b.uptime} ≠ ${want}`);
          }
          assert.equal(b.heartbeats, beats.filter(inHour).length, `${name} hour ${start} heartbeats`);
          const mine = facts.sessions.filter((s) => s.provider === p);
          assert.equal(b.sessionsOpened, mine.filter((s) => inHour(s.openedAt)).length);
          const latencies = mine
            .filter((s) => s.acceptedAt !== undefined && inHour(s.acceptedAt))
            .map((s) => s.acceptedAt! - s.openedAt);
          assert.equal(b.sessionsAccepted, latencies.length, `${name} hour ${start} accepted`);
          assert.equal(b.medianAcceptSeconds, median(latencies), `${name} hour ${start} median`);
          assert.equal(b.maxAcceptSeconds, latencies.length ? Math.max(...latencies) : null);
          const c = claims.filter((x) => x.provider === p && inHour(x.t));
          assert.equal(
            BigInt(b.bytes as string),
            c.reduce((s, x) => s + x.bytes, 0n),
            `${name} hour ${start} bytes`,
          );
        }
      }
      // p1 accepted its first sessions after a visible delay: the chart has something to show.
      const p1 = (await gql(url(), PROVIDER, { id: facts.providers.p1, from: first })).data.provider.series as {
        medianAcceptSeconds: number | null;
      }[];
      assert.ok(p1.some((b) => (b.medianAcceptSeconds ?? 0) > 0));
    });

    test(`${which}: bad series arguments get a clear error`, async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ from: now, to: now - 7200 }, /from \(\d+\) must not be after to/],
        [{ from: now - 32 * 86400 }, /at most 744 buckets/],
        [{ from: -5 }, /from must be a unix time in seconds, not negative/],
        [{ region: "Germany" }, /region must be an ISO 3166-1 alpha-2 code/],
      ];
      for (const [variables, message] of cases) {
        const res = await gql(url(), NETWORK, variables);
        assert.equal(res.data, null, JSON.stringify(variables));
        assert.match(res.errors![0]!.message, message);
        assert.equal(res.errors![0]!.extensions?.code, "BAD_USER_INPUT");
      }
      const week = await gql(url(), `{ networkSeries(bucket: week) { start } }`);
      assert.match(week.errors![0]!.message, /Value "week" does not exist in "SeriesBucket" enum/);
      const wide = await gql(url(), PROVIDER, { id: facts.providers.p1, bucket: "day", from: 0 });
      assert.match(wide.errors![0]!.message, /at most 744 buckets/);
      // A long series is allowed in days.
      const year = await gql(url(), NETWORK, { bucket: "day", from: now - 365 * 86400 });
      assert.equal(year.errors, undefined);
      assert.equal((year.data.networkSeries as unknown[]).length, 366);
    });
  }
});
