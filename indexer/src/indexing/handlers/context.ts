import type { ChainEventOf, ContractKey, EventName } from "../decodeLogs.ts";
import type { EventStore } from "../store.ts";

/** Parameter values by name as bigint (loaded at the start of every range). */
export type Params = Map<string, bigint>;

/** What a handler works on: the range's rows and the parameters as of the event. */
export interface HandlerContext {
  store: EventStore;
  params: Params;
}

/** Applies event `N` of contract `C` to the range's rows. */
export type Handler<C extends ContractKey, N extends EventName<C>> = (
  ctx: HandlerContext,
  e: ChainEventOf<C, N>,
) => void;

/**
 * The handlers of one contract: one entry per event of its ABI, `null` for an event the feed
 * does not record. A new event in the contract is a compile error here until it is decided.
 */
export type ContractHandlers<C extends ContractKey> = { [N in EventName<C>]: Handler<C, N> | null };
