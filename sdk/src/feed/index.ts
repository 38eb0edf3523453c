export {
  feedActions,
  findProviders,
  getFeedProvider,
  findSessions,
  getFeedSession,
  findProposals,
  getFeedProposal,
  getNetworkStats,
  getNetworkSeries,
  getProviderSeries,
  getFeedMeta,
  paginate,
  type FindProvidersParameters,
  type FindSessionsParameters,
  type PageParameters,
  type ProviderFilter,
  type SeriesParameters,
  type SessionFilter,
} from "./actions.ts";
export { FEED_DOCUMENTS } from "./documents.ts";
export { feedRequest } from "./request.ts";
export { DEFAULT_FEED_TIMEOUT_MS } from "./timeout.ts";
export { subscribeFeed, watchIndexedBlocks, watchProviderAvailability, watchSession } from "./subscribe.ts";
export type * from "./types.ts";
