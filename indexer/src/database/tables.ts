/**
 * Column types of the tables the indexer writes with raw SQL (bulk upserts, journal restore).
 * Must match prisma/schema.prisma; a test compares them with the migrated database.
 */
export type ColumnType = "text" | "int" | "bool" | "numeric" | "float" | "json";

export interface TableSpec {
  name: string;
  key: string[];
  columns: Record<string, ColumnType>;
  /** Columns summed on conflict (hourly buckets) instead of replaced. */
  additive?: boolean;
}

const n = "numeric" as const;
const i = "int" as const;
const t = "text" as const;
const b = "bool" as const;

export const TABLES = {
  providers: {
    name: "providers",
    key: ["id"],
    columns: {
      id: t,
      endpoint: t,
      wgPublicKey: t,
      region: t,
      pricePerGiB: n,
      pricePerMinute: n,
      maxSessions: i,
      activeSessions: i,
      hasCapacity: b,
      stake: n,
      unbonding: n,
      unbondingEnd: i,
      paused: b,
      registered: b,
      registeredAt: i,
      registeredBlock: i,
      lastHeartbeat: i,
      coveredUntil: i,
      heartbeatCount: i,
      sessionsOpened: i,
      sessionsAccepted: i,
      sessionsMissed: i,
      sessionsPaid: i,
      sessionsAcceptedPaid: i,
      sessionsCompleted: i,
      bytesServed: n,
      secondsServed: n,
      paidVolume: n,
      feesPaid: n,
      slashCount: i,
      slashedAmount: n,
      acceptHistogram: "json",
      score: "float",
      scoreAt: i,
      updatedBlock: i,
      exitPolicy: t,
      exitDenyPorts: "json",
      exitAllowPorts: "json",
      transport: t,
      transportPort: i,
      transportCertSha256: t,
      transportClientId: t,
    },
  },
  sessions: {
    name: "sessions",
    key: ["id"],
    columns: {
      id: n,
      provider: t,
      client: t,
      signer: t,
      wgPublicKey: t,
      status: t,
      outcome: t,
      deposit: n,
      pricePerGiB: n,
      pricePerMinute: n,
      feeBps: i,
      acceptDeadline: i,
      openedAt: i,
      openedBlock: i,
      acceptedAt: i,
      tunnelAddress: t,
      closedAt: i,
      closedBy: t,
      settlementDeadline: i,
      settledAt: i,
      claimedBytes: n,
      claimedSeconds: n,
      paid: n,
      fees: n,
      refund: n,
      claimCount: i,
      updatedAt: i,
      updatedBlock: i,
    },
  },
  proposals: {
    name: "proposals",
    key: ["id"],
    columns: {
      id: n,
      proposer: t,
      description: t,
      targets: "json",
      values: "json",
      calldatas: "json",
      voteStart: i,
      voteEnd: i,
      createdAt: i,
      createdBlock: i,
      forVotes: n,
      againstVotes: n,
      abstainVotes: n,
      voteCount: i,
      queuedAt: i,
      eta: i,
      executedAt: i,
      canceledAt: i,
      updatedBlock: i,
    },
  },
  parameters: {
    name: "parameters",
    key: ["id"],
    columns: { id: t, contract: t, value: n, updatedAt: i, updatedBlock: i },
  },
  provider_hours: {
    name: "provider_hours",
    key: ["provider", "hour"],
    additive: true,
    columns: { provider: t, hour: i, coveredSeconds: i, heartbeats: i, sessionsOpened: i, bytes: n, volume: n },
  },
  region_hours: {
    name: "region_hours",
    key: ["region", "hour"],
    additive: true,
    columns: { region: t, hour: i, sessionsOpened: i, sessionsSettled: i, claims: i, bytes: n, volume: n },
  },
  region_totals: {
    name: "region_totals",
    key: ["region"],
    additive: true,
    columns: { region: t, rows: i, providers: i, stake: n, activeSessions: i },
  },
  region_beats: {
    name: "region_beats",
    key: ["region", "lastHeartbeat"],
    additive: true,
    columns: { region: t, lastHeartbeat: i, providers: i },
  },
  claims: {
    name: "claims",
    key: ["id"],
    columns: {
      id: t,
      blockNumber: i,
      timestamp: i,
      sessionId: n,
      provider: t,
      totalBytes: n,
      totalSeconds: n,
      amount: n,
      fee: n,
      totalPaid: n,
    },
  },
  heartbeats: {
    name: "heartbeats",
    key: ["id"],
    columns: { id: t, blockNumber: i, timestamp: i, provider: t },
  },
  slashes: {
    name: "slashes",
    key: ["id"],
    columns: { id: t, blockNumber: i, timestamp: i, provider: t, amount: n, beneficiary: t, stakeAfter: n },
  },
  votes: {
    name: "votes",
    key: ["id"],
    columns: {
      id: t,
      blockNumber: i,
      timestamp: i,
      proposalId: n,
      voter: t,
      support: i,
      weight: n,
      reason: t,
    },
  },
  blocks: {
    name: "blocks",
    key: ["number"],
    columns: { number: i, hash: t, parentHash: t, timestamp: i },
  },
} satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
/** Tables whose rows change (journaled in unfinalized blocks). */
export const MUTABLE_TABLES = [
  "providers",
  "sessions",
  "proposals",
  "parameters",
  "provider_hours",
  "region_hours",
] as const;
/**
 * Totals of the providers table (`indexing/totals.ts`): updated by deltas with each range, not
 * journaled, recounted from the providers table after a rollback.
 */
export const TOTAL_TABLES = ["region_totals", "region_beats"] as const;
/** Append-only event tables (truncated above the ancestor on a reorg). */
export const APPEND_TABLES = ["claims", "heartbeats", "slashes", "votes"] as const;

/** A row in memory: numeric columns as bigint, json as JS values, nullable columns as null. */
export type Row = Record<string, unknown>;
