/** Governance: proposals and their votes. */
export const proposalTypeDefs = /* GraphQL */ `
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
`;
