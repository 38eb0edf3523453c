/** Slashes of a provider's stake. */
export const slashTypeDefs = /* GraphQL */ `
  type Slash {
    id: String!
    blockNumber: Int!
    timestamp: Int!
    amount: BigInt!
    beneficiary: String!
    stakeAfter: BigInt!
  }
`;
