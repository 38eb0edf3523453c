import { commonTypeDefs } from "./typeDefs/common.ts";
import { metaTypeDefs } from "./typeDefs/meta.ts";
import { networkTypeDefs } from "./typeDefs/network.ts";
import { proposalTypeDefs } from "./typeDefs/proposal.ts";
import { providerTypeDefs } from "./typeDefs/provider.ts";
import { rootTypeDefs } from "./typeDefs/root.ts";
import { sessionTypeDefs } from "./typeDefs/session.ts";
import { slashTypeDefs } from "./typeDefs/slash.ts";

/**
 * The feed's GraphQL schema (SDL), one file per entity under `typeDefs/`. `indexer/schema.graphql`
 * is this schema as printed by the server (`node indexer/scripts/print-schema.ts`); a test keeps
 * them equal (the order of the parts is the order the schema prints its types in). Field names
 * are a public API: add, never rename.
 */
export const typeDefs = [
  commonTypeDefs,
  providerTypeDefs,
  sessionTypeDefs,
  slashTypeDefs,
  proposalTypeDefs,
  networkTypeDefs,
  metaTypeDefs,
  rootTypeDefs,
].join("");
