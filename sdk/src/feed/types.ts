/**
 * Types of the indexer feed as the SDK returns them. GraphQL sends uint256 values as decimal
 * strings; the SDK turns them into `bigint`.
 */
import type { Address, Hex } from "viem";
import type { TransportOffer } from "../transport/offer.ts";

/** Sort direction. */
export type OrderDirection = "asc" | "desc";

/** A page of a cursor-paginated list. Pass `pageInfo.endCursor` as `after` for the next page. */
export interface Page<T> {
  items: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

/** Each part of a provider's reputation score (components 0–1, points out of 100). */
export interface ScoreBreakdown {
  formulaVersion: string;
  uptime: number;
  uptimePoints: number;
  acceptance: number;
  acceptancePoints: number;
  speed: number;
  speedPoints: number;
  experience: number;
  experiencePoints: number;
  slashPenalty: number;
  computedAt: number;
}

/** A provider's reputation, counted over paid sessions only. */
export interface Reputation {
  /** 0–100. */
  score: number;
  scoreBreakdown: ScoreBreakdown;
  /** Share (0–1) of the last 24 h with a fresh heartbeat. */
  uptime24h: number;
  uptime7d: number;
  /** null before any session. */
  acceptanceRate: number | null;
  medianAcceptSeconds: number | null;
  sessionsCompleted: number;
  sessionsPaid: number;
  sessionsMissed: number;
  bytesServed: bigint;
  /** Gross amount claimed (before the protocol fee). */
  paidVolume: bigint;
  slashCount: number;
  slashedAmount: bigint;
}

/** Whether a provider takes sessions right now. */
export interface Availability {
  available: boolean;
  activeSessions: number;
  capacity: number;
  lastHeartbeat: number;
  heartbeatExpiresAt: number;
}

/** A provider as the feed lists it. */
export interface FeedProvider {
  /** Checksummed address. */
  id: Address;
  endpoint: string;
  /** bytes32 hex. */
  wgPublicKey: Hex;
  /** The same key in WireGuard's base64. */
  wgPublicKeyBase64: string;
  region: string;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  maxSessions: number;
  stake: bigint;
  unbonding: bigint;
  unbondingEnd: number;
  paused: boolean;
  registered: boolean;
  registeredAt: number;
  registeredBlock: number;
  reputation: Reputation;
  availability: Availability;
  /** Where clients may go through it, as it published it in the registry. */
  exitPolicy: FeedExitPolicy;
  /** The obfuscated transport it offers (`ProviderRegistry.setTransport`); null when none. */
  transport: TransportOffer | null;
}

/** A provider's published exit policy, as the feed serves it. */
export interface FeedExitPolicy {
  /** Published form, e.g. `deny-ports=25;deny-ranges=10.0.0.0/8`; "" when none (no restriction). */
  text: string;
  denyPorts: { from: number; to: number }[];
  /** When not empty, the only destination ports allowed. */
  allowPorts: { from: number; to: number }[];
  denyRanges: string[];
  allowRanges: string[];
  /** Whether every address range is well formed (the registry checks only their shape). */
  wellFormed: boolean;
}

/** A slash of a provider's stake. */
export interface FeedSlash {
  id: string;
  blockNumber: number;
  timestamp: number;
  amount: bigint;
  beneficiary: Address;
  stakeAfter: bigint;
}

/** A provider with its slash history (`provider(id)`). */
export interface FeedProviderDetail extends FeedProvider {
  slashes: FeedSlash[];
}

/** Where a session is (the feed lists no `None`). */
export type FeedSessionStatus = "Pending" | "Active" | "Closing" | "Closed";

/** One on-chain claim of a session. */
export interface FeedClaim {
  id: string;
  blockNumber: number;
  timestamp: number;
  totalBytes: bigint;
  totalSeconds: bigint;
  amount: bigint;
  fee: bigint;
  totalPaid: bigint;
}

/** A session as the feed records it. */
export interface FeedSession {
  id: bigint;
  provider: Address;
  client: Address;
  signer: Address;
  wgPublicKey: Hex;
  status: FeedSessionStatus;
  /** "Cancelled" or "Settled" once Closed. */
  outcome: string | null;
  deposit: bigint;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  feeBps: number;
  acceptDeadline: number;
  openedAt: number;
  openedBlock: number;
  acceptedAt: number | null;
  tunnelAddress: string | null;
  closedAt: number | null;
  closedBy: Address | null;
  settlementDeadline: number | null;
  settledAt: number | null;
  claimedBytes: bigint;
  claimedSeconds: bigint;
  paid: bigint;
  fees: bigint;
  refund: bigint | null;
}

/** A session with its claims (`session(id)`). */
export interface FeedSessionDetail extends FeedSession {
  claims: FeedClaim[];
}

/** A vote on a proposal. */
export interface FeedVote {
  id: string;
  voter: Address;
  /** 0 against, 1 for, 2 abstain. */
  support: number;
  weight: bigint;
  reason: string;
  blockNumber: number;
  timestamp: number;
}

/** A governance proposal as the feed records it. */
export interface FeedProposal {
  id: bigint;
  proposer: Address;
  description: string;
  targets: Address[];
  values: bigint[];
  calldatas: Hex[];
  voteStart: number;
  voteEnd: number;
  createdAt: number;
  createdBlock: number;
  state: "Pending" | "Active" | "Canceled" | "Defeated" | "Succeeded" | "Queued" | "Executed";
  forVotes: bigint;
  againstVotes: bigint;
  abstainVotes: bigint;
  voteCount: number;
  queuedAt: number | null;
  eta: number | null;
  executedAt: number | null;
  canceledAt: number | null;
}

/** A proposal with a page of its votes (`proposal(id)`). */
export interface FeedProposalDetail extends FeedProposal {
  votes: Page<FeedVote>;
}

/** Figures for one region. */
export interface RegionStats {
  region: string;
  providers: number;
  providersOnline: number;
  totalStake: bigint;
  activeSessions: number;
  bytes24h: bigint;
  volume24h: bigint;
  sessionsOpened24h: number;
}

/** Network-wide figures. */
export interface NetworkStats {
  providers: number;
  providersOnline: number;
  totalStake: bigint;
  activeSessions: number;
  bytes24h: bigint;
  volume24h: bigint;
  sessionsOpened24h: number;
  byRegion: RegionStats[];
}

/** Width of a time series' buckets (whole UTC hours or days). */
export type SeriesBucket = "hour" | "day";

/** The network's activity in one bucket (`networkSeries`). */
export interface NetworkBucket {
  /** Unix time the bucket starts. */
  start: number;
  sessionsOpened: number;
  /** Paid sessions settled. */
  sessionsSettled: number;
  claims: number;
  /** Bytes claimed in the bucket. */
  bytes: bigint;
  /** Gross amount claimed in the bucket. */
  volume: bigint;
  /** Average providers with a fresh heartbeat over the part of the bucket that has passed; null before it begins. */
  providersOnline: number | null;
}

/** One provider in one bucket (`Provider.series`). */
export interface ProviderBucket {
  /** Unix time the bucket starts. */
  start: number;
  /** Share (0–1) of the bucket's passed seconds since registration with a fresh heartbeat; null when none passed. */
  uptime: number | null;
  heartbeats: number;
  sessionsOpened: number;
  sessionsAccepted: number;
  /** Median seconds from open to accept of the sessions accepted in the bucket; null when none. */
  medianAcceptSeconds: number | null;
  maxAcceptSeconds: number | null;
  bytes: bigint;
  volume: bigint;
}

/** How far the indexer has read the chain. */
export interface FeedMeta {
  block: { number: number; hash: Hex; timestamp: number } | null;
  headBlockNumber: number | null;
  headTimestamp: number | null;
  chainId: number;
  reorgs: number;
}
