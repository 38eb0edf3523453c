/** Typed chain events for unit tests of the event handlers (arguments checked against the ABIs). */
import type { ChainEventOf, ContractKey, EventArgs, EventName } from "../indexing/decodeLogs.ts";

let logIndex = 0;

/** Event `eventName` of `contract` with `args`, at chain time `timestamp` in block `block` (default 1). */
export function chainEvent<C extends ContractKey, N extends EventName<C>>(
  contract: C,
  eventName: N,
  args: EventArgs<C, N>,
  at: { timestamp: number; block?: number },
): ChainEventOf<C, N> {
  logIndex += 1;
  return {
    contract,
    eventName,
    args,
    blockNumber: at.block ?? 1,
    logIndex,
    timestamp: at.timestamp,
    id: `0x${logIndex.toString(16).padStart(64, "0")}-${logIndex}`,
  };
}
