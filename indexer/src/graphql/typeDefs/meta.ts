/** How far the indexer has read the chain (`_meta`). */
export const metaTypeDefs = /* GraphQL */ `
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
`;
