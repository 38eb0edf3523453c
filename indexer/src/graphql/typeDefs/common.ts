/** Scalars and the pagination types every list shares. */
export const commonTypeDefs = /* GraphQL */ `
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
`;
