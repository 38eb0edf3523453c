import type { Hex, PublicClient } from "viem";
import type { LogRpc, RawLog } from "./types.ts";

const hex = (n: number): Hex => `0x${n.toString(16)}`;

/**
 * The raw calls of event reading on a viem client: one request each, no retries (a caller that
 * wants them wraps these, as the indexer does with its metrics and backoff).
 * @param client a viem public client (any transport).
 * @returns {@link LogRpc} over it.
 * @example const fetcher = createLogFetcher({ rpc: createLogRpc(publicClient), address: [escrow], initialBlockRange: 10, maxBlockRange: 10_000 })
 */
export function createLogRpc(client: Pick<PublicClient, "request">): LogRpc {
  return {
    async getBlock(number) {
      const b = await client.request({ method: "eth_getBlockByNumber", params: [hex(number), false] });
      if (!b) return undefined;
      return { number: Number(b.number), hash: b.hash!, parentHash: b.parentHash, timestamp: Number(b.timestamp) };
    },
    async getLogsOnce(filter) {
      const range =
        "blockHash" in filter
          ? { blockHash: filter.blockHash as Hex }
          : { fromBlock: hex(filter.fromBlock), toBlock: hex(filter.toBlock) };
      const logs = await client.request({
        method: "eth_getLogs",
        params: [
          {
            address: filter.address as Hex[],
            ...(filter.topics ? { topics: filter.topics as (Hex | Hex[] | null)[] } : {}),
            ...range,
          },
        ],
      });
      return logs as RawLog[];
    },
  };
}
