/** Providers: filters, order, reputation, availability and exit policy. */
export const providerTypeDefs = /* GraphQL */ `
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
`;
