/**
 * The feed's GraphQL schema (SDL). `indexer/schema.graphql` is this schema as printed by the
 * server (`node indexer/scripts/print-schema.ts`); a test keeps them equal. Field names are a
 * public API: add, never rename.
 */
export const typeDefs = /* GraphQL */ `
  """
  An unsigned integer of any size (uint256), written as a decimal string. Inputs accept a
  decimal string or an integer.
  """
  scalar BigInt

  enum OrderDirection {
    asc
    desc
  }

  "Cursor pagination (Ponder-style connection)."
  type PageInfo {
    hasNextPage: Boolean!
    "Pass as after to get the next page."
    endCursor: String
  }

  enum ProviderOrderBy {
    id
    stake
    pricePerGiB
    pricePerMinute
    score
    registeredAt
    lastHeartbeat
    paidVolume
  }

  "Filters on providers; all given conditions must hold."
  input ProviderFilter {
    "ISO 3166-1 alpha-2 code, e.g. DE."
    region: String
    "Available as the registry computes it, at the chain head's timestamp."
    available: Boolean
    registered: Boolean
    paused: Boolean
    minStake: BigInt
    maxPricePerGiB: BigInt
    maxPricePerMinute: BigInt
    "Reputation score (0-100) at least this."
    minScore: Float
    id_in: [String!]
    "Its published exit policy lets clients connect to this destination port (1-65535), e.g. 443."
    allowsPort: Int
    "Its published exit policy refuses this destination port (1-65535), e.g. 25 for no SMTP."
    deniesPort: Int
    "It offers this obfuscated transport (ProviderRegistry.setTransport); none: it offers none."
    transport: TransportKind
  }

  "A transport that carries WireGuard past a censor: v2ray is V2Ray VLESS over WebSocket and TLS."
  enum TransportKind {
    none
    v2ray
  }

  "An obfuscated transport a provider offers (ProviderRegistry.setTransport)."
  type Transport {
    kind: TransportKind!
    "TCP port on the endpoint's host."
    port: Int!
    "SHA-256 of the server's TLS certificate (DER), 0x-hex: clients pin it."
    certSha256: String!
    "The VLESS client id (a UUID; public, like everything on chain)."
    clientId: String!
  }

  type ProviderConnection {
    items: [Provider!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  "A provider registered in the ProviderRegistry."
  type Provider {
    "Checksummed address."
    id: String!
    endpoint: String!
    "bytes32 hex as stored on chain."
    wgPublicKey: String!
    "The same key in WireGuard's base64."
    wgPublicKeyBase64: String!
    region: String!
    pricePerGiB: BigInt!
    pricePerMinute: BigInt!
    maxSessions: Int!
    stake: BigInt!
    unbonding: BigInt!
    unbondingEnd: Int!
    paused: Boolean!
    registered: Boolean!
    registeredAt: Int!
    registeredBlock: Int!
    reputation: Reputation!
    availability: Availability!
    "Where clients may go through it, as published in the registry (its agent enforces it)."
    exitPolicy: ExitPolicy!
    "The obfuscated transport it offers; null when none."
    transport: Transport
    sessions(
      where: SessionFilter
      orderBy: SessionOrderBy = id
      orderDirection: OrderDirection = desc
      first: Int = 100
      after: String
    ): SessionConnection!
    slashes: [Slash!]!
    "The provider's history per bucket, oldest first (see networkSeries for the range arguments)."
    series(bucket: SeriesBucket = hour, from: Int, to: Int): [ProviderBucket!]!
  }

  "An exit policy (ProviderRegistry.setExitPolicy). Ports apply to TCP and UDP."
  type ExitPolicy {
    "Published form, e.g. deny-ports=25;deny-ranges=10.0.0.0/8. Empty: none published (no restriction)."
    text: String!
    "Destination ports refused."
    denyPorts: [PortRange!]!
    "When not empty, the only destination ports allowed."
    allowPorts: [PortRange!]!
    "Destination address ranges refused."
    denyRanges: [String!]!
    "When not empty, the only destination ranges allowed."
    allowRanges: [String!]!
    "Whether every address range is a well-formed address/prefix (the registry checks only their shape)."
    wellFormed: Boolean!
  }

  "An inclusive port range; a single port has from = to."
  type PortRange {
    from: Int!
    to: Int!
  }

  "Reputation over paid sessions only (sessions with paid > 0); formula in indexer/README.md."
  type Reputation {
    "0-100."
    score: Float!
    scoreBreakdown: ScoreBreakdown!
    "Share (0-1) of the last 24 h the provider had a fresh heartbeat."
    uptime24h: Float!
    uptime7d: Float!
    "Accepted paid sessions / (accepted paid sessions + missed acceptances); null before any."
    acceptanceRate: Float
    "Median seconds from open to accept over paid sessions; null before any."
    medianAcceptSeconds: Float
    "Paid sessions settled."
    sessionsCompleted: Int!
    "Sessions with paid > 0."
    sessionsPaid: Int!
    "Sessions cancelled because the provider did not accept in time (30 s or more after the open; a quicker withdrawal by the client does not count)."
    sessionsMissed: Int!
    bytesServed: BigInt!
    "Gross amount claimed (before the protocol fee)."
    paidVolume: BigInt!
    slashCount: Int!
    slashedAmount: BigInt!
    "The slashes themselves (same as Provider.slashes)."
    slashes: [Slash!]!
  }

  "Each part of the score: component values are 0-1, points are their weighted share of 100."
  type ScoreBreakdown {
    formulaVersion: String!
    uptime: Float!
    uptimePoints: Float!
    acceptance: Float!
    acceptancePoints: Float!
    speed: Float!
    speedPoints: Float!
    experience: Float!
    experiencePoints: Float!
    slashPenalty: Float!
    "Chain time the stored score was computed at."
    computedAt: Int!
  }

  type Availability {
    available: Boolean!
    activeSessions: Int!
    capacity: Int!
    lastHeartbeat: Int!
    "Timestamp after which the last heartbeat is stale."
    heartbeatExpiresAt: Int!
  }

  enum SessionStatus {
    Pending
    Active
    Closing
    Closed
  }

  enum SessionOrderBy {
    id
    openedAt
    paid
    deposit
  }

  input SessionFilter {
    provider: String
    client: String
    status: SessionStatus
    status_in: [SessionStatus!]
    "Only sessions with paid > 0 (true) or paid = 0 (false)."
    paid: Boolean
  }

  type SessionConnection {
    items: [Session!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type Session {
    id: BigInt!
    provider: String!
    client: String!
    signer: String!
    wgPublicKey: String!
    status: SessionStatus!
    "Cancelled, Rejected (by the provider) or Settled once Closed."
    outcome: String
    deposit: BigInt!
    pricePerGiB: BigInt!
    pricePerMinute: BigInt!
    feeBps: Int!
    acceptDeadline: Int!
    openedAt: Int!
    openedBlock: Int!
    acceptedAt: Int
    tunnelAddress: String
    "When the session was first closed (by either side); a later close by the provider in the settlement window does not move it."
    closedAt: Int
    "Who closed the session first: the client or the provider. A provider that settles a session the client closed is not the closer."
    closedBy: String
    settlementDeadline: Int
    "When the session ended for good (settled, finalized or cancelled)."
    settledAt: Int
    claimedBytes: BigInt!
    claimedSeconds: BigInt!
    "Gross amount claimed so far."
    paid: BigInt!
    fees: BigInt!
    refund: BigInt
    claims: [Claim!]!
  }

  type Claim {
    id: String!
    blockNumber: Int!
    timestamp: Int!
    totalBytes: BigInt!
    totalSeconds: BigInt!
    amount: BigInt!
    fee: BigInt!
    totalPaid: BigInt!
  }

  type Slash {
    id: String!
    blockNumber: Int!
    timestamp: Int!
    amount: BigInt!
    beneficiary: String!
    stakeAfter: BigInt!
  }

  enum ProposalState {
    Pending
    Active
    Canceled
    Defeated
    Succeeded
    Queued
    Executed
  }

  type ProposalConnection {
    items: [Proposal!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type Proposal {
    id: BigInt!
    proposer: String!
    description: String!
    targets: [String!]!
    values: [BigInt!]!
    calldatas: [String!]!
    voteStart: Int!
    voteEnd: Int!
    createdAt: Int!
    createdBlock: Int!
    "Computed at the chain head's timestamp; quorum from the indexed quorum numerator and the total token supply, an upper bound of the governor's quorum (a fraction of the delegated supply): a proposal shown Defeated may have Succeeded on chain when much of the supply is not delegated."
    state: ProposalState!
    forVotes: BigInt!
    againstVotes: BigInt!
    abstainVotes: BigInt!
    voteCount: Int!
    queuedAt: Int
    eta: Int
    executedAt: Int
    canceledAt: Int
    votes(first: Int = 100, after: String): VoteConnection!
  }

  type VoteConnection {
    items: [Vote!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type Vote {
    id: String!
    voter: String!
    "0 against, 1 for, 2 abstain."
    support: Int!
    weight: BigInt!
    reason: String!
    blockNumber: Int!
    timestamp: Int!
  }

  "Protocol parameters as last changed on chain (constructors and governance)."
  type Parameters {
    minStake: BigInt!
    unbondingPeriod: Int!
    heartbeatTimeout: Int!
    maxSlashBps: Int!
    protocolFeeBps: Int!
    acceptTimeout: Int!
    settlementWindow: Int!
    treasury: String!
    votingDelay: Int!
    votingPeriod: Int!
    proposalThreshold: BigInt!
    quorumNumerator: Int!
  }

  type RegionStats {
    region: String!
    providers: Int!
    providersOnline: Int!
    totalStake: BigInt!
    activeSessions: Int!
    bytes24h: BigInt!
    volume24h: BigInt!
    sessionsOpened24h: Int!
  }

  type NetworkStats {
    providers: Int!
    "Providers available right now."
    providersOnline: Int!
    "Stake of registered providers."
    totalStake: BigInt!
    activeSessions: Int!
    "Bytes claimed in the last 24 hourly buckets."
    bytes24h: BigInt!
    volume24h: BigInt!
    sessionsOpened24h: Int!
    byRegion: [RegionStats!]!
  }

  "Width of a time series' buckets; buckets start on whole UTC hours or days."
  enum SeriesBucket {
    hour
    day
  }

  "The network's activity in one bucket of networkSeries."
  type NetworkBucket {
    "Unix time the bucket starts."
    start: Int!
    sessionsOpened: Int!
    "Paid sessions settled."
    sessionsSettled: Int!
    "UsageClaimed events."
    claims: Int!
    "Bytes claimed in the bucket (each claim adds what its session's total grew by)."
    bytes: BigInt!
    "Gross amount claimed in the bucket (before the protocol fee)."
    volume: BigInt!
    "Average number of providers with a fresh heartbeat over the part of the bucket that has passed (covered provider-seconds / elapsed seconds); null for a bucket not yet begun."
    providersOnline: Float
  }

  "One provider in one bucket of Provider.series."
  type ProviderBucket {
    "Unix time the bucket starts."
    start: Int!
    "Share (0-1) of the bucket's passed seconds since registration covered by a fresh heartbeat (as uptime24h counts them); null before registration or for a bucket not yet begun."
    uptime: Float
    "Heartbeats sent (a registration counts as one)."
    heartbeats: Int!
    sessionsOpened: Int!
    "Sessions accepted in the bucket (paid or not)."
    sessionsAccepted: Int!
    "Median seconds from open to accept of the sessions accepted in the bucket; null when none."
    medianAcceptSeconds: Float
    "Longest seconds from open to accept of the sessions accepted in the bucket; null when none."
    maxAcceptSeconds: Int
    bytes: BigInt!
    volume: BigInt!
  }

  type MetaBlock {
    number: Int!
    hash: String!
    timestamp: Int!
  }

  type Meta {
    "Last indexed block."
    block: MetaBlock
    "Latest chain head seen by the writer."
    headBlockNumber: Int
    headTimestamp: Int
    chainId: Int!
    reorgs: Int!
    "Seconds the database this instance reads is behind its primary (a PostgreSQL streaming replica; 0 once it has replayed all it received). Null when it reads the primary or PGlite."
    replicaLagSeconds: Float
  }

  type Query {
    "first at most 1000."
    providers(
      where: ProviderFilter
      orderBy: ProviderOrderBy = id
      orderDirection: OrderDirection = asc
      first: Int = 100
      after: String
    ): ProviderConnection!
    provider(id: String!): Provider
    sessions(
      where: SessionFilter
      orderBy: SessionOrderBy = id
      orderDirection: OrderDirection = asc
      first: Int = 100
      after: String
    ): SessionConnection!
    session(id: BigInt!): Session
    proposals(orderDirection: OrderDirection = desc, first: Int = 100, after: String): ProposalConnection!
    proposal(id: BigInt!): Proposal
    parameters: Parameters!
    networkStats: NetworkStats!
    "The network's activity per bucket, oldest first: buckets from the one holding from (default: 23 buckets before to) to the one holding to (default: the chain head's time), at most 744; region (ISO 3166-1 alpha-2) narrows it to the providers of that region."
    networkSeries(bucket: SeriesBucket = hour, from: Int, to: Int, region: String): [NetworkBucket!]!
    _meta: Meta!
  }

  type Subscription {
    "Emits the provider's availability now and whenever it changes."
    providerAvailability(id: String!): Availability!
    "Emits the session now and whenever it changes."
    session(id: BigInt!): Session!
    "Emits _meta now and whenever the indexer has read a new block or seen the chain head move: pages showing the whole network reload on it."
    indexedBlock: Meta!
  }
`;
