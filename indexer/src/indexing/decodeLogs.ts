import type { ContractEventArgsFromTopics, ContractEventName } from "viem";
import { dvpnGovernorAbi, providerRegistryAbi, sessionEscrowAbi } from "../../../sdk/src/abi/index.ts";
import type { Deployment } from "../../../sdk/src/deployment/types.ts";
import type { RawLog } from "../../../sdk/src/events/types.ts";
import { checksum } from "./checksum.ts";
import { createEventDecoder, type EventDecoder } from "./decodeEvent.ts";

/** The ABIs of the contracts the indexer reads, by the key its events carry. */
export const INDEXED_ABIS = {
  registry: providerRegistryAbi,
  escrow: sessionEscrowAbi,
  governor: dvpnGovernorAbi,
} as const;

export type ContractKey = keyof typeof INDEXED_ABIS;
/** The events contract `C` emits (from its ABI). */
export type EventName<C extends ContractKey> = ContractEventName<(typeof INDEXED_ABIS)[C]>;
/** The decoded arguments of event `N` of contract `C`, as viem returns them. */
export type EventArgs<C extends ContractKey, N extends EventName<C>> = ContractEventArgsFromTopics<
  (typeof INDEXED_ABIS)[C],
  N
>;

/** Where an event sits on the chain. */
export interface EventPosition {
  blockNumber: number;
  logIndex: number;
  timestamp: number;
  /** `txHash-logIndex`, unique per event. */
  id: string;
}

/** Event `N` of contract `C`, decoded (bigint, checksummed addresses, hex bytes), with its position. */
export type ChainEventOf<C extends ContractKey, N extends EventName<C>> = EventPosition & {
  contract: C;
  eventName: N;
  args: EventArgs<C, N>;
};

/** Any event the indexer reads: a union discriminated by `contract` and `eventName`. */
export type ChainEvent = { [C in ContractKey]: { [N in EventName<C>]: ChainEventOf<C, N> }[EventName<C>] }[ContractKey];

/** The contracts the indexer reads, by lower-case address. */
export function contractsOf(deployment: Deployment): Map<string, ContractKey> {
  const c = deployment.contracts;
  return new Map([
    [c.ProviderRegistry.address.toLowerCase(), "registry"],
    [c.SessionEscrow.address.toLowerCase(), "escrow"],
    [c.DVPNGovernor.address.toLowerCase(), "governor"],
  ]);
}

/** The decoder of each contract's events (built once: a map from first topic to event). */
const DECODERS: Record<ContractKey, EventDecoder> = {
  registry: createEventDecoder(INDEXED_ABIS.registry),
  escrow: createEventDecoder(INDEXED_ABIS.escrow),
  governor: createEventDecoder(INDEXED_ABIS.governor),
};

/**
 * Decodes and orders logs. `timestamps` gives block timestamps when the node omits
 * `blockTimestamp` from logs. Logs of unknown events are skipped.
 */
export function decodeLogs(
  logs: RawLog[],
  contracts: ReturnType<typeof contractsOf>,
  timestamps: Map<number, number> = new Map(),
): ChainEvent[] {
  const events: ChainEvent[] = [];
  for (const log of logs) {
    if (log.removed) continue;
    const contract = contracts.get(log.address.toLowerCase());
    if (!contract) continue;
    const blockNumber = Number(log.blockNumber);
    const timestamp = log.blockTimestamp !== undefined ? Number(log.blockTimestamp) : timestamps.get(blockNumber);
    const logIndex = Number(log.logIndex);
    const decoded = DECODERS[contract](log.topics, log.data);
    if (!decoded) continue;
    // The decoder's result is viem's decodeEventLog's for this contract's ABI: a ChainEvent.
    const event = {
      contract,
      ...decoded,
      blockNumber,
      logIndex,
      timestamp: timestamp ?? 0,
      id: `${log.transactionHash}-${logIndex}`,
    } as ChainEvent;
    if (timestamp === undefined) throw new Error(`no timestamp for block ${blockNumber}`);
    events.push(event);
  }
  events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  return events;
}

/** bytes2 region code → "DE". */
export function regionOf(hex: string): string {
  const code = hex.slice(2, 6);
  return String.fromCharCode(parseInt(code.slice(0, 2), 16), parseInt(code.slice(2, 4), 16));
}

/** bytes32 parameter name → "minStake". */
export function nameOf(hex: string): string {
  let s = "";
  for (let i = 2; i < hex.length; i += 2) {
    const c = parseInt(hex.slice(i, i + 2), 16);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

export { checksum };
