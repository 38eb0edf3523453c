/**
 * The GraphQL documents the SDK sends to the indexer. Every one is validated against the
 * indexer's schema (indexer/schema.graphql) by documents.test.ts.
 */

const PROVIDER_FIELDS = /* GraphQL */ `
  fragment ProviderFields on Provider {
    id
    endpoint
    wgPublicKey
    wgPublicKeyBase64
    region
    pricePerGiB
    pricePerMinute
    maxSessions
    stake
    unbonding
    unbondingEnd
    paused
    registered
    registeredAt
    registeredBlock
    reputation {
      score
      scoreBreakdown {
        formulaVersion
        uptime
        uptimePoints
        acceptance
        acceptancePoints
        speed
        speedPoints
        experience
        experiencePoints
        slashPenalty
        computedAt
      }
      uptime24h
      uptime7d
      acceptanceRate
      medianAcceptSeconds
      sessionsCompleted
      sessionsPaid
      sessionsMissed
      bytesServed
      paidVolume
      slashCount
      slashedAmount
    }
    availability {
      available
      activeSessions
      capacity
      lastHeartbeat
      heartbeatExpiresAt
    }
    exitPolicy {
      text
      denyPorts {
        from
        to
      }
      allowPorts {
        from
        to
      }
      denyRanges
      allowRanges
      wellFormed
    }
    transport {
      kind
      port
      certSha256
      clientId
    }
  }
`;

const SESSION_FIELDS = /* GraphQL */ `
  fragment SessionFields on Session {
    id
    provider
    client
    signer
    wgPublicKey
    status
    outcome
    deposit
    pricePerGiB
    pricePerMinute
    feeBps
    acceptDeadline
    openedAt
    openedBlock
    acceptedAt
    tunnelAddress
    closedAt
    closedBy
    settlementDeadline
    settledAt
    claimedBytes
    claimedSeconds
    paid
    fees
    refund
  }
`;

const PROPOSAL_FIELDS = /* GraphQL */ `
  fragment ProposalFields on Proposal {
    id
    proposer
    description
    targets
    values
    calldatas
    voteStart
    voteEnd
    createdAt
    createdBlock
    state
    forVotes
    againstVotes
    abstainVotes
    voteCount
    queuedAt
    eta
    executedAt
    canceledAt
  }
`;

/** `providers(where, orderBy, orderDirection, first, after)`. */
export const PROVIDERS_QUERY = /* GraphQL */ `
  query Providers(
    $where: ProviderFilter
    $orderBy: ProviderOrderBy
    $orderDirection: OrderDirection
    $first: Int
    $after: String
  ) {
    providers(where: $where, orderBy: $orderBy, orderDirection: $orderDirection, first: $first, after: $after) {
      items {
        ...ProviderFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${PROVIDER_FIELDS}
`;

/** `provider(id)` with its slashes. */
export const PROVIDER_QUERY = /* GraphQL */ `
  query Provider($id: String!) {
    provider(id: $id) {
      ...ProviderFields
      slashes {
        id
        blockNumber
        timestamp
        amount
        beneficiary
        stakeAfter
      }
    }
  }
  ${PROVIDER_FIELDS}
`;

/** `sessions(where, orderBy, orderDirection, first, after)`. */
export const SESSIONS_QUERY = /* GraphQL */ `
  query Sessions(
    $where: SessionFilter
    $orderBy: SessionOrderBy
    $orderDirection: OrderDirection
    $first: Int
    $after: String
  ) {
    sessions(where: $where, orderBy: $orderBy, orderDirection: $orderDirection, first: $first, after: $after) {
      items {
        ...SessionFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${SESSION_FIELDS}
`;

/** `session(id)` with its claims. */
export const SESSION_QUERY = /* GraphQL */ `
  query Session($id: BigInt!) {
    session(id: $id) {
      ...SessionFields
      claims {
        id
        blockNumber
        timestamp
        totalBytes
        totalSeconds
        amount
        fee
        totalPaid
      }
    }
  }
  ${SESSION_FIELDS}
`;

/** `proposals(orderDirection, first, after)`. */
export const PROPOSALS_QUERY = /* GraphQL */ `
  query Proposals($orderDirection: OrderDirection, $first: Int, $after: String) {
    proposals(orderDirection: $orderDirection, first: $first, after: $after) {
      items {
        ...ProposalFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${PROPOSAL_FIELDS}
`;

/** `proposal(id)` with a page of votes. */
export const PROPOSAL_QUERY = /* GraphQL */ `
  query Proposal($id: BigInt!, $votesFirst: Int, $votesAfter: String) {
    proposal(id: $id) {
      ...ProposalFields
      votes(first: $votesFirst, after: $votesAfter) {
        items {
          id
          voter
          support
          weight
          reason
          blockNumber
          timestamp
        }
        pageInfo {
          hasNextPage
          endCursor
        }
        totalCount
      }
    }
  }
  ${PROPOSAL_FIELDS}
`;

/** `networkStats` with the per-region breakdown. */
export const NETWORK_STATS_QUERY = /* GraphQL */ `
  query NetworkStats {
    networkStats {
      providers
      providersOnline
      totalStake
      activeSessions
      bytes24h
      volume24h
      sessionsOpened24h
      byRegion {
        region
        providers
        providersOnline
        totalStake
        activeSessions
        bytes24h
        volume24h
        sessionsOpened24h
      }
    }
  }
`;

/** `networkSeries`: the network's activity per hour or day. */
export const NETWORK_SERIES_QUERY = /* GraphQL */ `
  query NetworkSeries($bucket: SeriesBucket, $from: Int, $to: Int, $region: String) {
    networkSeries(bucket: $bucket, from: $from, to: $to, region: $region) {
      start
      sessionsOpened
      sessionsSettled
      claims
      bytes
      volume
      providersOnline
    }
  }
`;

/** `provider(id) { series }`: one provider's history per hour or day. */
export const PROVIDER_SERIES_QUERY = /* GraphQL */ `
  query ProviderSeries($id: String!, $bucket: SeriesBucket, $from: Int, $to: Int) {
    provider(id: $id) {
      series(bucket: $bucket, from: $from, to: $to) {
        start
        uptime
        heartbeats
        sessionsOpened
        sessionsAccepted
        medianAcceptSeconds
        maxAcceptSeconds
        bytes
        volume
      }
    }
  }
`;

/** `_meta`: how far the indexer has read. */
export const META_QUERY = /* GraphQL */ `
  query Meta {
    _meta {
      block {
        number
        hash
        timestamp
      }
      headBlockNumber
      headTimestamp
      chainId
      reorgs
    }
  }
`;

/** `subscription providerAvailability(id)`: now and on every change. */
export const PROVIDER_AVAILABILITY_SUBSCRIPTION = /* GraphQL */ `
  subscription ProviderAvailability($id: String!) {
    providerAvailability(id: $id) {
      available
      activeSessions
      capacity
      lastHeartbeat
      heartbeatExpiresAt
    }
  }
`;

/** `subscription session(id)`: now and on every change. */
export const SESSION_SUBSCRIPTION = /* GraphQL */ `
  subscription SessionChanges($id: BigInt!) {
    session(id: $id) {
      ...SessionFields
    }
  }
  ${SESSION_FIELDS}
`;

/** `subscription indexedBlock`: `_meta` now and after every indexed block. */
export const INDEXED_BLOCK_SUBSCRIPTION = /* GraphQL */ `
  subscription IndexedBlock {
    indexedBlock {
      block {
        number
        hash
        timestamp
      }
      headBlockNumber
      headTimestamp
      chainId
      reorgs
    }
  }
`;

/** Every document, by name (for validation). */
export const FEED_DOCUMENTS = {
  PROVIDERS_QUERY,
  PROVIDER_QUERY,
  SESSIONS_QUERY,
  SESSION_QUERY,
  PROPOSALS_QUERY,
  PROPOSAL_QUERY,
  NETWORK_STATS_QUERY,
  NETWORK_SERIES_QUERY,
  PROVIDER_SERIES_QUERY,
  META_QUERY,
  PROVIDER_AVAILABILITY_SUBSCRIPTION,
  SESSION_SUBSCRIPTION,
  INDEXED_BLOCK_SUBSCRIPTION,
} as const;
