import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, graphql, parse, validate } from "graphql";
import { FeedError } from "../errors/feed.ts";
import { FeedNotConfiguredError, InvalidInputError } from "../errors/input.ts";
import {
  paginate,
  findProposals,
  findProviders,
  findSessions,
  getFeedMeta,
  getFeedProvider,
  getFeedSession,
  getNetworkSeries,
  getNetworkStats,
  getProviderSeries,
} from "./actions.ts";
import { FEED_DOCUMENTS } from "./documents.ts";

const SDL = readFileSync(join(import.meta.dirname, "../../../indexer/schema.graphql"), "utf8");
const schema = buildSchema(SDL);

const seriesCalls: Record<string, unknown>[] = [];
const ADDR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const provider = {
  id: ADDR,
  endpoint: "gw.example.org:51820",
  wgPublicKey: "0x" + "11".repeat(32),
  wgPublicKeyBase64: Buffer.alloc(32, 0x11).toString("base64"),
  region: "DE",
  pricePerGiB: "50000",
  pricePerMinute: "120",
  maxSessions: 4,
  stake: "1000000000000000000000",
  unbonding: "0",
  unbondingEnd: 0,
  paused: false,
  registered: true,
  registeredAt: 1700000000,
  registeredBlock: 10,
  reputation: {
    score: 87.5,
    scoreBreakdown: {
      formulaVersion: "1",
      uptime: 1,
      uptimePoints: 40,
      acceptance: 1,
      acceptancePoints: 30,
      speed: 0.5,
      speedPoints: 10,
      experience: 0.75,
      experiencePoints: 7.5,
      slashPenalty: 0,
      computedAt: 1700000100,
    },
    uptime24h: 1,
    uptime7d: 0.99,
    acceptanceRate: 1,
    medianAcceptSeconds: 3,
    sessionsCompleted: 5,
    sessionsPaid: 5,
    sessionsMissed: 0,
    bytesServed: "18446744073709551615",
    paidVolume: "123456789012345678901234567890",
    slashCount: 0,
    slashedAmount: "0",
  },
  availability: {
    available: true,
    activeSessions: 1,
    capacity: 4,
    lastHeartbeat: 1700000000,
    heartbeatExpiresAt: 1700000900,
  },
  exitPolicy: {
    text: "deny-ports=25;allow-ports=1-1024",
    denyPorts: [{ from: 25, to: 25 }],
    allowPorts: [{ from: 1, to: 1024 }],
    denyRanges: [],
    allowRanges: [],
    wellFormed: true,
  },
  transport: null,
  slashes: [],
  series: (args: Record<string, unknown>) => (
    seriesCalls.push(args),
    [
      {
        start: 3600,
        uptime: 0.5,
        heartbeats: 2,
        sessionsOpened: 1,
        sessionsAccepted: 1,
        medianAcceptSeconds: 2.5,
        maxAcceptSeconds: 3,
        bytes: "18446744073709551615",
        volume: "7",
      },
    ]
  ),
};
const session = {
  id: "7",
  provider: ADDR,
  client: ADDR,
  signer: ADDR,
  wgPublicKey: "0x" + "22".repeat(32),
  status: "Active",
  outcome: null,
  deposit: "5000000",
  pricePerGiB: "50000",
  pricePerMinute: "120",
  feeBps: 250,
  acceptDeadline: 1,
  openedAt: 1,
  openedBlock: 1,
  acceptedAt: 2,
  tunnelAddress: "10.77.0.2/16",
  closedAt: null,
  closedBy: null,
  settlementDeadline: null,
  settledAt: null,
  claimedBytes: "1073741824",
  claimedSeconds: "60",
  paid: "50120",
  fees: "1253",
  refund: null,
  claims: [],
};
const page = <T>(items: T[]) => ({ items, pageInfo: { hasNextPage: true, endCursor: "c1" }, totalCount: 42 });

/** A fetch that executes the request against the indexer's schema with canned resolvers, recording variables. */
function fakeFeed() {
  const calls: Record<string, unknown>[] = [];
  const rootValue = {
    providers: (args: Record<string, unknown>) => (calls.push(args), page([provider])),
    provider: (args: { id: string }) => (calls.push(args), args.id === ADDR ? provider : null),
    sessions: (args: Record<string, unknown>) => (calls.push(args), page([session])),
    session: (args: { id: string }) => (calls.push(args), session),
    proposals: () => page([]),
    networkSeries: (args: Record<string, unknown>) => (
      calls.push(args),
      [
        {
          start: 0,
          sessionsOpened: 2,
          sessionsSettled: 1,
          claims: 3,
          bytes: "1073741824",
          volume: "9",
          providersOnline: null,
        },
      ]
    ),
    networkStats: () => ({
      providers: 1,
      providersOnline: 1,
      totalStake: "1000",
      activeSessions: 0,
      bytes24h: "5",
      volume24h: "6",
      sessionsOpened24h: 1,
      byRegion: [],
    }),
    _meta: () => ({
      block: { number: 5, hash: "0xab", timestamp: 9 },
      headBlockNumber: 5,
      headTimestamp: 9,
      chainId: 31337,
      reorgs: 0,
    }),
  };
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    const { query, variables } = JSON.parse(String(init.body)) as { query: string; variables: Record<string, unknown> };
    const result = await graphql({ schema, source: query, variableValues: variables, rootValue });
    return new Response(JSON.stringify(result), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  return { client: { indexerUrl: "http://feed.test/graphql", fetch: fetchImpl }, calls };
}

describe("feed client", () => {
  it("every query document is valid against indexer/schema.graphql", () => {
    for (const [name, doc] of Object.entries(FEED_DOCUMENTS)) {
      const errors = validate(schema, parse(doc));
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
        `${name} is invalid`,
      );
    }
  });

  it("findProviders sends filters as the schema expects and returns bigints", async () => {
    const { client, calls } = fakeFeed();
    const res = await findProviders(client, {
      where: {
        region: "de",
        available: true,
        maxPricePerGiB: 60_000n,
        minScore: 50,
        minStake: 1n,
        allowsPort: 443,
        deniesPort: 25,
      },
      orderBy: "score",
      orderDirection: "desc",
      first: 10,
      after: "c0",
    });
    assert.deepEqual(calls[0], {
      where: {
        region: "DE",
        available: true,
        maxPricePerGiB: "60000",
        minScore: 50,
        minStake: "1",
        allowsPort: 443,
        deniesPort: 25,
      },
      orderBy: "score",
      orderDirection: "desc",
      first: 10,
      after: "c0",
    });
    assert.equal(res.totalCount, 42);
    assert.equal(res.pageInfo.endCursor, "c1");
    const p = res.items[0]!;
    assert.equal(p.pricePerGiB, 50_000n);
    assert.equal(p.reputation.paidVolume, 123456789012345678901234567890n);
    assert.equal(p.reputation.bytesServed, (1n << 64n) - 1n);
    assert.equal(p.reputation.scoreBreakdown.uptimePoints, 40);
    assert.equal(p.availability.capacity, 4);
    assert.deepEqual(p.exitPolicy.allowPorts, [{ from: 1, to: 1024 }]);
    await assert.rejects(findProviders(client, { where: { allowsPort: 0 } }), /allowsPort.*port from 1 to 65535/);
    assert.equal(calls.length, 1, "a bad port is refused before any request");
  });

  it("provider, sessions, session, proposals, networkStats and _meta", async () => {
    const { client } = fakeFeed();
    assert.equal((await getFeedProvider(client, { id: ADDR }))?.stake, 10n ** 21n);
    assert.equal(await getFeedProvider(client, { id: "0x0000000000000000000000000000000000000001" }), null);
    const sessions = await findSessions(client, { where: { client: ADDR, status: "Active" } });
    assert.equal(sessions.items[0]!.id, 7n);
    assert.equal(sessions.items[0]!.claimedBytes, 1n << 30n);
    const s = await getFeedSession(client, { id: 7n });
    assert.equal(s?.id, 7n);
    assert.equal(s?.tunnelAddress, "10.77.0.2/16");
    assert.equal((await findProposals(client)).items.length, 0);
    assert.equal((await getNetworkStats(client)).totalStake, 1000n);
    assert.equal((await getFeedMeta(client)).block?.number, 5);
  });

  it("networkSeries and a provider's series send their range and return bigints", async () => {
    const { client, calls } = fakeFeed();
    const net = await getNetworkSeries(client, { bucket: "day", from: 0, to: 86_400, region: "de" });
    assert.deepEqual(calls[0], { bucket: "day", from: 0, to: 86_400, region: "DE" });
    assert.equal(net[0]!.bytes, 1n << 30n);
    assert.equal(net[0]!.providersOnline, null);
    const mine = await getProviderSeries(client, { id: ADDR, from: 3600 });
    assert.equal(mine?.[0]!.bytes, (1n << 64n) - 1n);
    assert.equal(mine?.[0]!.medianAcceptSeconds, 2.5);
    assert.deepEqual(seriesCalls.at(-1), { bucket: "hour", from: 3600 });
    assert.equal(await getProviderSeries(client, { id: "0x0000000000000000000000000000000000000001" }), null);
    await assert.rejects(getNetworkSeries(client, { bucket: "week" as "day" }), InvalidInputError);
    await assert.rejects(getNetworkSeries(client, { from: -1 }), InvalidInputError);
    await assert.rejects(getNetworkSeries(client, { region: "Germany" }), InvalidInputError);
    await assert.rejects(getProviderSeries(client, { id: "0xabc" as `0x${string}`, to: 1.5 }), InvalidInputError);
  });

  it("rejects bad input before any request and reports feed failures", async () => {
    const { client, calls } = fakeFeed();
    await assert.rejects(findProviders(client, { first: 1001 }), InvalidInputError);
    await assert.rejects(findProviders(client, { where: { region: "Deutschland" } }), InvalidInputError);
    await assert.rejects(findProviders(client, { where: { minScore: 101 } }), InvalidInputError);
    await assert.rejects(findSessions(client, { where: { client: "0xabc" as `0x${string}` } }), InvalidInputError);
    assert.equal(calls.length, 0);
    await assert.rejects(findProviders({ indexerUrl: undefined, fetch }), FeedNotConfiguredError);
    const down = {
      indexerUrl: "http://127.0.0.1:1/graphql",
      fetch: (async () => {
        throw new TypeError("fetch failed");
      }) as typeof fetch,
    };
    await assert.rejects(
      getFeedMeta(down),
      (e: unknown) => e instanceof FeedError && /cannot reach it/.test(e.shortMessage),
    );
    const erroring = {
      indexerUrl: "http://feed.test/graphql",
      fetch: (async () =>
        new Response(JSON.stringify({ errors: [{ message: "first must be at most 1000" }] }))) as typeof fetch,
    };
    await assert.rejects(
      getFeedMeta(erroring),
      (e: unknown) => e instanceof FeedError && e.graphqlErrors[0] === "first must be at most 1000",
    );
  });

  it("paginate follows endCursor until the last page", async () => {
    const pages: Record<string, { items: number[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> = {
      start: { items: [1, 2], pageInfo: { hasNextPage: true, endCursor: "a" } },
      a: { items: [3], pageInfo: { hasNextPage: true, endCursor: "b" } },
      b: { items: [4], pageInfo: { hasNextPage: false, endCursor: "c" } },
    };
    const seen: (string | undefined)[] = [];
    const all: number[] = [];
    for await (const n of paginate(
      async (after) => (seen.push(after), { ...pages[after ?? "start"]!, totalCount: 4 }),
    )) {
      all.push(n);
    }
    assert.deepEqual(all, [1, 2, 3, 4]);
    assert.deepEqual(seen, [undefined, "a", "b"]);
  });
});
