import { createSchema } from "graphql-yoga";
import type { FeedContext } from "./context.ts";
import { createResolvers } from "./resolvers.ts";
import { typeDefs } from "./typeDefs.ts";

/** The executable feed schema (the one the server serves and schema.graphql prints). */
export function createFeedSchema(signal: AbortSignal = new AbortController().signal) {
  return createSchema<FeedContext>({ typeDefs, resolvers: createResolvers(signal) });
}
