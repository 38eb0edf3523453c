import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createSchema, createYoga } from "graphql-yoga";
import { FeedError } from "../errors/feed.ts";
import { watchIndexedBlocks, watchProviderAvailability, watchSession } from "./subscribe.ts";

const SDL = readFileSync(join(import.meta.dirname, "../../../indexer/schema.graphql"), "utf8");
const ADDR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const availability = (activeSessions: number) => ({
  available: activeSessions < 2,
  activeSessions,
  capacity: 2,
  lastHeartbeat: 1700000000 + activeSessions,
  heartbeatExpiresAt: 1700000900,
});

describe("feed subscriptions over SSE (graphql-yoga)", () => {
  let server: Server;
  let url: string;
  let cancelled = 0;
  before(async () => {
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: SDL,
        resolvers: {
          Subscription: {
            indexedBlock: {
              async *subscribe() {
                for (const number of [7, 8]) {
                  const block = { number, hash: `0x0${number}`, timestamp: 1700000000 + number };
                  yield {
                    indexedBlock: {
                      block,
                      headBlockNumber: number,
                      headTimestamp: 1700000000 + number,
                      chainId: 31337,
                      reorgs: 0,
                    },
                  };
                }
              },
            },
            providerAvailability: {
              async *subscribe(_: unknown, args: { id: string }) {
                if (args.id !== ADDR) throw new Error("unknown provider");
                try {
                  // a change every 20 ms, bounded; a cancelled subscription stops at its next yield
                  for (let i = 0; i < 250; i++) {
                    yield { providerAvailability: availability(i) };
                    await new Promise((r) => setTimeout(r, 20));
                  }
                } finally {
                  cancelled++;
                }
              },
            },
            session: {
              async *subscribe() {
                for (const status of ["Pending", "Active"]) {
                  yield {
                    session: {
                      id: "3",
                      provider: ADDR,
                      client: ADDR,
                      signer: ADDR,
                      wgPublicKey: "0x" + "22".repeat(32),
                      status,
                      outcome: null,
                      deposit: "5000000",
                      pricePerGiB: "50000",
                      pricePerMinute: "120",
                      feeBps: 250,
                      acceptDeadline: 1,
                      openedAt: 1,
                      openedBlock: 1,
                      acceptedAt: status === "Active" ? 2 : null,
                      tunnelAddress: status === "Active" ? "10.77.0.2/16" : null,
                      closedAt: null,
                      closedBy: null,
                      settlementDeadline: null,
                      settledAt: null,
                      claimedBytes: "0",
                      claimedSeconds: "0",
                      paid: "0",
                      fees: "0",
                      refund: null,
                    },
                  };
                }
              },
            },
          },
        },
      }),
      logging: false,
    });
    server = createServer(yoga);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("yields availability changes and stops when aborted", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const a of watchProviderAvailability(
      { indexerUrl: url, fetch },
      { id: ADDR, signal: controller.signal },
    )) {
      seen.push(a.activeSessions);
      if (seen.length === 3) controller.abort();
    }
    assert.deepEqual(seen, [0, 1, 2]);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && cancelled === 0;)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(cancelled, 1, "the server saw the subscription end");
  });

  it("yields session records with bigints until the server completes", async () => {
    const statuses: string[] = [];
    for await (const s of watchSession({ indexerUrl: url, fetch }, { id: 3n })) {
      assert.equal(s.id, 3n);
      assert.equal(s.deposit, 5_000_000n);
      statuses.push(s.status);
    }
    assert.deepEqual(statuses, ["Pending", "Active"]);
  });

  it("yields the indexer's _meta after every indexed block", async () => {
    const blocks: (number | undefined)[] = [];
    for await (const meta of watchIndexedBlocks({ indexerUrl: url, fetch })) blocks.push(meta.block?.number);
    assert.deepEqual(blocks, [7, 8]);
  });

  it("reports GraphQL errors from the stream", async () => {
    const it = watchProviderAvailability(
      { indexerUrl: url, fetch },
      { id: "0x0000000000000000000000000000000000000001" },
    );
    await assert.rejects(it.next(), (e: unknown) => e instanceof FeedError && e.graphqlErrors.length === 1);
  });
});
