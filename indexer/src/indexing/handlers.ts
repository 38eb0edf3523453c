/**
 * Applies decoded events to the range's rows: one handler module per contract (handlers/),
 * behind a map from contract and event name to handler that the compiler checks against the
 * contracts' ABIs. Everything a handler changes is a rollup the feed reads directly: nothing is
 * recomputed per query.
 */
import type { KeyOf } from "../database/tables.ts";
import {
  checksum,
  nameOf,
  type ChainEvent,
  type ChainEventOf,
  type ContractKey,
  type EventName,
} from "./decodeLogs.ts";
import type { ContractHandlers, HandlerContext, Params } from "./handlers/context.ts";
import { governorHandlers } from "./handlers/governor.ts";
import { providerRegistryHandlers } from "./handlers/providerRegistry.ts";
import { sessionEscrowHandlers } from "./handlers/sessionEscrow.ts";
import type { EventStore } from "./store.ts";

export type { Params };

/** Every event handler, by contract and event name. */
export const HANDLERS: { [C in ContractKey]: ContractHandlers<C> } = {
  registry: providerRegistryHandlers,
  escrow: sessionEscrowHandlers,
  governor: governorHandlers,
};

/** Every parameter the contracts and the governor emit. */
export const PARAMETER_NAMES = [
  "minStake",
  "unbondingPeriod",
  "heartbeatTimeout",
  "maxSlashBps",
  "protocolFeeBps",
  "acceptTimeout",
  "settlementWindow",
  "treasury",
  "votingDelay",
  "votingPeriod",
  "proposalThreshold",
  "quorumNumerator",
];

/** Keys to load before the events of a range are applied. */
export function keysOf(events: ChainEvent[]): {
  providers: KeyOf<"providers">[];
  sessions: KeyOf<"sessions">[];
  proposals: KeyOf<"proposals">[];
  parameters: KeyOf<"parameters">[];
} {
  const parameters = new Map<string, KeyOf<"parameters">>(PARAMETER_NAMES.map((id) => [id, { id }]));
  const providers = new Map<string, KeyOf<"providers">>();
  const sessions = new Map<string, KeyOf<"sessions">>();
  const proposals = new Map<string, KeyOf<"proposals">>();
  for (const e of events) {
    // viem decodes an event without arguments (EIP712DomainChanged) to args undefined, though its type says [].
    if (!e.args) continue;
    if (e.eventName === "ParameterUpdated") parameters.set(nameOf(e.args.name), { id: nameOf(e.args.name) });
    if ("provider" in e.args) providers.set(e.args.provider, { id: checksum(e.args.provider) });
    if ("sessionId" in e.args) sessions.set(String(e.args.sessionId), { id: e.args.sessionId });
    if (e.contract === "governor" && "proposalId" in e.args) {
      proposals.set(String(e.args.proposalId), { id: e.args.proposalId });
    }
  }
  return {
    providers: [...providers.values()],
    sessions: [...sessions.values()],
    proposals: [...proposals.values()],
    parameters: [...parameters.values()],
  };
}

/** Runs the handler of event `N` of contract `C`, if the feed records that event. */
function dispatch<C extends ContractKey, N extends EventName<C>>(ctx: HandlerContext, e: ChainEventOf<C, N>): void {
  const handlers: ContractHandlers<C> = HANDLERS[e.contract];
  const handler = handlers[e.eventName];
  handler?.(ctx, e);
}

/** Applies one event to the in-memory state of the range. */
export function applyEvent(store: EventStore, params: Params, e: ChainEvent): void {
  dispatch({ store, params }, e);
}
