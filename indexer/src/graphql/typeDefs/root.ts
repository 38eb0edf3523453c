/** The entry points: queries and subscriptions. */
export const rootTypeDefs = /* GraphQL */ `
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
