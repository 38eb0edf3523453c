/**
 * The tables the indexer writes with raw SQL (bulk upserts, journal restore) and the types of
 * their rows in memory. Row types come from the Prisma client generated from
 * prisma/schema.prisma (the source of truth), with numeric(78,0) columns as bigint and Json
 * columns given the shape the indexer writes; the column map below is checked against them by
 * the compiler (a column missing, extra or of another kind is a type error) and against the
 * migrated database by tables.test.ts.
 */
import type * as Model from "../../generated/prisma/client.ts";
import type { Prisma } from "../../generated/prisma/client.ts";

export type ColumnType = "text" | "int" | "bool" | "numeric" | "float" | "json";

/** A Prisma model as the indexer holds it in memory: numeric(78,0) columns as bigint. */
type InMemory<M> = {
  [K in keyof M]: M[K] extends Prisma.Decimal ? bigint : M[K] extends Prisma.Decimal | null ? bigint | null : M[K];
};
/** A model in memory whose Json columns (`JsonValue` to Prisma) have the shape `J` the indexer writes. */
type WithJson<M, J extends { [K in keyof M]?: unknown }> = {
  [K in keyof M]: K extends keyof J ? J[K] : InMemory<M>[K];
};

/** `[[from, to], …]` port ranges of an exit policy. */
export type PortPairs = number[][];
/** Accept-latency histogram: bucket index → paid sessions (see reputation.ts). */
export type AcceptHistogram = Record<string, number>;

export type ProviderRow = WithJson<
  Model.Provider,
  { acceptHistogram: AcceptHistogram; exitDenyPorts: PortPairs; exitAllowPorts: PortPairs }
>;
export type SessionRow = InMemory<Model.Session>;
export type ProposalRow = WithJson<Model.Proposal, { targets: string[]; values: string[]; calldatas: string[] }>;
export type ParameterRow = InMemory<Model.Parameter>;
export type ProviderHourRow = InMemory<Model.ProviderHour>;
export type RegionHourRow = InMemory<Model.RegionHour>;
export type RegionTotalRow = InMemory<Model.RegionTotal>;
export type RegionBeatRow = InMemory<Model.RegionBeat>;
export type ClaimRow = InMemory<Model.Claim>;
export type HeartbeatRow = InMemory<Model.Heartbeat>;
export type SlashRow = InMemory<Model.Slash>;
export type VoteRow = InMemory<Model.Vote>;
export type BlockRow = InMemory<Model.Block>;

/** Every table written with raw SQL: its row type and its key columns. */
interface Tables {
  providers: { row: ProviderRow; key: "id" };
  sessions: { row: SessionRow; key: "id" };
  proposals: { row: ProposalRow; key: "id" };
  parameters: { row: ParameterRow; key: "id" };
  provider_hours: { row: ProviderHourRow; key: "provider" | "hour" };
  region_hours: { row: RegionHourRow; key: "region" | "hour" };
  region_totals: { row: RegionTotalRow; key: "region" };
  region_beats: { row: RegionBeatRow; key: "region" | "lastHeartbeat" };
  claims: { row: ClaimRow; key: "id" };
  heartbeats: { row: HeartbeatRow; key: "blockNumber" | "logIndex" };
  slashes: { row: SlashRow; key: "id" };
  votes: { row: VoteRow; key: "id" };
  blocks: { row: BlockRow; key: "number" };
}

export type TableName = keyof Tables;
/** The in-memory row of a table. */
export type RowOf<T extends TableName> = Tables[T]["row"];
/** The key columns of a table's row (what load/get take). */
export type KeyOf<T extends TableName> = Pick<RowOf<T>, Tables[T]["key"] & keyof RowOf<T>>;

/** The column kind a value of type `V` is stored in. */
type ColumnOf<V> = [NonNullable<V>] extends [bigint]
  ? "numeric"
  : [NonNullable<V>] extends [number]
    ? "int" | "float"
    : [NonNullable<V>] extends [string]
      ? "text"
      : [NonNullable<V>] extends [boolean]
        ? "bool"
        : "json";

export interface TableSpec {
  name: string;
  key: readonly string[];
  columns: Record<string, ColumnType>;
  /** Columns summed on conflict (hourly buckets) instead of replaced. */
  additive?: boolean;
}

/** The spec of table `T`: exactly its row's columns, each of its value's kind, and its key. */
type SpecOf<T extends TableName> = TableSpec & {
  key: readonly Tables[T]["key"][];
  columns: { [C in keyof RowOf<T> & string]-?: ColumnOf<RowOf<T>[C]> };
};

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
    key: ["blockNumber", "logIndex"],
    columns: { blockNumber: i, logIndex: i, timestamp: i, provider: t },
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
} satisfies { [T in TableName]: SpecOf<T> };

/** Columns in the map that the row type (the Prisma model) lacks: must be none. */
type ExtraColumns = { [T in TableName]: Exclude<keyof (typeof TABLES)[T]["columns"], keyof RowOf<T>> }[TableName];
// A compile error here names a column of TABLES that prisma/schema.prisma does not declare.
export const NO_EXTRA_COLUMNS: [ExtraColumns] extends [never] ? true : ExtraColumns = true;

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

/**
 * A row of any table, as the generic SQL helpers (sql.ts) handle it: numeric columns as bigint,
 * json as JS values, nullable columns as null. Every `RowOf<T>` is one.
 */
export type Row = Record<string, unknown>;
