/** Protocol parameters, network figures and time series. */
export const networkTypeDefs = /* GraphQL */ `
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
`;
