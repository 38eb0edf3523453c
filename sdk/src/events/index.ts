export {
  createLogFetcher,
  DEFAULT_INITIAL_BLOCK_RANGE,
  DEFAULT_MAX_BLOCK_RANGE,
  MAX_GROWTH_PER_REQUEST,
  PROBE_AFTER_SUCCESSES,
  TARGET_LOGS_PER_REQUEST,
  type CreateLogFetcherParameters,
  type LogFetcher,
} from "./createLogFetcher.ts";
export { createLogRpc } from "./createLogRpc.ts";
export {
  createProviderEventReader,
  PROVIDER_SESSION_EVENTS,
  type CreateProviderEventReaderParameters,
  type ProviderEventReader,
  type ProviderSessionEvent,
  type ProviderSessionEventName,
} from "./createProviderEventReader.ts";
export { isRangeError } from "./isRangeError.ts";
export type { LogFilter, LogRpc, LogTopics, RawLog, RpcBlock } from "./types.ts";
