/**
 * A stand-in for the indexer's GraphQL endpoint in SDK/CLI tests: an HTTP server that
 * executes queries against the indexer's own schema (indexer/schema.graphql) with canned
 * resolvers, so a query that does not match the real schema fails here too.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { buildSchema, graphql } from "graphql";

export const FEED_SCHEMA = buildSchema(readFileSync(join(import.meta.dirname, "../../indexer/schema.graphql"), "utf8"));

/** A provider as the feed returns it (strings for uint256), with overridable fields. */
export function feedProvider(overrides: Record<string, unknown> = {}) {
  return {
    id: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    endpoint: "gw.example.org:51820",
    wgPublicKey: "0x" + "11".repeat(32),
    wgPublicKeyBase64: Buffer.alloc(32, 0x11).toString("base64"),
    region: "DE",
    pricePerGiB: "50000",
    pricePerMinute: "100",
    maxSessions: 3,
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
      bytesServed: "1073741824",
      paidVolume: "250000",
      slashCount: 0,
      slashedAmount: "0",
    },
    availability: {
      available: true,
      activeSessions: 0,
      capacity: 3,
      lastHeartbeat: 1700000000,
      heartbeatExpiresAt: 1700000900,
    },
    exitPolicy: {
      text: "deny-ports=25",
      denyPorts: [{ from: 25, to: 25 }],
      allowPorts: [],
      denyRanges: [],
      allowRanges: [],
      wellFormed: true,
    },
    transport: null,
    slashes: [],
    ...overrides,
  };
}

/** Starts the fake feed on a random loopback port; `calls` records every query's variables. */
export async function startFakeFeed(rootValue: Record<string, unknown>) {
  const calls: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", async () => {
      const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
      calls.push(variables ?? {});
      const result = await graphql({
        schema: FEED_SCHEMA,
        source: query,
        ...(variables ? { variableValues: variables } : {}),
        rootValue,
      });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(result));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return { url, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}
