/**
 * A provider's session events, typed from the escrow's ABI, read with the adaptive
 * {@link createLogFetcher} (ranges sized to the answers, split when too large).
 */
import {
  encodeEventTopics,
  formatLog,
  parseEventLogs,
  type Address,
  type Log,
  type PublicClient,
  type RpcLog,
} from "viem";
import { sessionEscrowAbi } from "../abi/index.ts";
import { createLogFetcher, type CreateLogFetcherParameters } from "./createLogFetcher.ts";
import { createLogRpc } from "./createLogRpc.ts";
import type { LogRpc, LogTopics } from "./types.ts";

/** The escrow events of one provider's sessions (each carries the indexed provider). */
export const PROVIDER_SESSION_EVENTS = [
  "SessionOpened",
  "SessionAccepted",
  "SessionCancelled",
  "SessionClosed",
  "SessionSettled",
  "UsageClaimed",
] as const;

/** The name of a {@link PROVIDER_SESSION_EVENTS} event. */
export type ProviderSessionEventName = (typeof PROVIDER_SESSION_EVENTS)[number];

/** One decoded provider session event: `eventName` narrows `args` to that event's ABI-typed arguments. */
export type ProviderSessionEvent = {
  [name in ProviderSessionEventName]: Log<bigint, number, false, undefined, true, typeof sessionEscrowAbi, name>;
}[ProviderSessionEventName];

/** Parameters of {@link createProviderEventReader}. */
export interface CreateProviderEventReaderParameters extends Pick<
  CreateLogFetcherParameters,
  "maxRetries" | "signal" | "log" | "onRange"
> {
  /** The node: a viem client, or {@link LogRpc} calls (e.g. with retries and metrics of their own). */
  rpc: LogRpc | Pick<PublicClient, "request">;
  /** The SessionEscrow. */
  escrow: Address;
  /** The provider whose sessions are read. */
  provider: Address;
  /** The largest eth_getLogs range (blocks); the first request asks for it too: one provider's events are sparse. */
  maxBlockRange: number;
  /** The first request's range (default `maxBlockRange`). */
  initialBlockRange?: number;
}

/** Reads a provider's session events; the adaptive range carries over from one read to the next. */
export interface ProviderEventReader {
  /** Every {@link PROVIDER_SESSION_EVENTS} event of the provider in blocks [fromBlock, toBlock], in chain order. */
  read(fromBlock: bigint, toBlock: bigint): Promise<ProviderSessionEvent[]>;
}

/** The topic filter matching any of `names` with `provider` in its indexed `provider` argument. */
function providerTopics(provider: Address): LogTopics {
  const each = PROVIDER_SESSION_EVENTS.map((eventName) =>
    encodeEventTopics({ abi: sessionEscrowAbi, eventName, args: { provider } }),
  );
  // The same indexed position for every event (the selector differs): one filter for all of them.
  const topics: LogTopics = [each.map((t) => t[0])];
  for (let i = 1; i < Math.max(...each.map((t) => t.length)); i++) {
    const at = new Set(each.map((t) => t[i] ?? null));
    if (at.size !== 1) throw new Error(`provider events differ in indexed argument ${i}`);
    topics.push([...at][0] as string | null);
  }
  // A trailing "any" would need a log with that many topics: nodes match none with fewer.
  while (topics.at(-1) === null) topics.pop();
  return topics;
}

/**
 * Creates a reader of one provider's session events.
 * @param params the node, the escrow, the provider and the range bounds.
 * @returns a {@link ProviderEventReader}.
 * @example
 * const reader = createProviderEventReader({ rpc: publicClient, escrow, provider, maxBlockRange: 2000 });
 * for (const e of await reader.read(from, to)) if (e.eventName === "SessionOpened") console.log(e.args.deposit);
 */
export function createProviderEventReader(params: CreateProviderEventReaderParameters): ProviderEventReader {
  const rpc = "getLogsOnce" in params.rpc ? params.rpc : createLogRpc(params.rpc);
  const fetcher = createLogFetcher({
    rpc,
    address: [params.escrow],
    topics: providerTopics(params.provider),
    initialBlockRange: params.initialBlockRange ?? params.maxBlockRange,
    maxBlockRange: params.maxBlockRange,
    blockTimestamps: false,
    ...(params.maxRetries !== undefined ? { maxRetries: params.maxRetries } : {}),
    ...(params.signal ? { signal: params.signal } : {}),
    ...(params.log ? { log: params.log } : {}),
    ...(params.onRange ? { onRange: params.onRange } : {}),
  });
  return {
    async read(fromBlock, toBlock) {
      const logs: Log[] = [];
      for (let from = Number(fromBlock); from <= Number(toBlock);) {
        const r = await fetcher.fetch(from, Number(toBlock));
        for (const raw of r.logs) if (!raw.removed) logs.push(formatLog(raw as RpcLog));
        from = r.toBlock + 1;
      }
      const events = parseEventLogs({
        abi: sessionEscrowAbi,
        eventName: [...PROVIDER_SESSION_EVENTS],
        logs,
        strict: true,
      });
      return events.sort((x, y) =>
        x.blockNumber === y.blockNumber ? x.logIndex - y.logIndex : x.blockNumber < y.blockNumber ? -1 : 1,
      );
    },
  };
}
