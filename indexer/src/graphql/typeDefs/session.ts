/** Sessions and their claims. */
export const sessionTypeDefs = /* GraphQL */ `
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
`;
