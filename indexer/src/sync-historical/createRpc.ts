import { createPublicClient, fallback, http, webSocket, type PublicClient, type Transport } from "viem";
import type { Common } from "../common/common.ts";
import { sleep } from "../common/shutdown.ts";
import type { RawLog } from "../indexing/decodeLogs.ts";

export interface RpcBlock {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

/** JSON-RPC access with retries: every call retries with backoff until it succeeds or shutdown. */
export interface Rpc {
  client: PublicClient;
  getChainId(): Promise<number>;
  getBlockNumber(): Promise<number>;
  /** A block by number; undefined when the chain is shorter. */
  getBlock(number: number): Promise<RpcBlock | undefined>;
  /** eth_getLogs once, without retries (the caller splits ranges on errors). */
  getLogsOnce(
    filter: { address: string[]; fromBlock: number; toBlock: number } | { address: string[]; blockHash: string },
  ): Promise<RawLog[]>;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** True for errors that mean "ask for fewer blocks" rather than "try again later". */
export function isRangeError(error: unknown): boolean {
  let e = error as { name?: string; message?: string; details?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 6; depth++) {
    if (e.name === "ResponseBodyTooLargeError") return true;
    const text = `${e.message ?? ""} ${e.details ?? ""}`.toLowerCase();
    if (
      /response body too large|too large|block range|range (is )?too|exceed|limit|too many|query returned more than|response size|max(imum)? .*results/.test(
        text,
      )
    ) {
      return true;
    }
    e = e.cause as typeof e;
  }
  return false;
}

export function createRpc(common: Common): Rpc {
  const { config, metrics, logger, shutdown } = common;
  const transports: Transport[] = config.rpcUrls.map((url) =>
    url.startsWith("ws") ? webSocket(url, { retryCount: 0 }) : http(url, { retryCount: 0, timeout: 30_000 }),
  );
  const transport = transports.length === 1 ? transports[0]! : fallback(transports, { retryCount: 0 });
  const client = createPublicClient({ transport }) as PublicClient;

  async function once<T>(method: string, fn: () => Promise<T>): Promise<T> {
    metrics.inc("dvpn_indexer_rpc_requests_total", { method });
    try {
      return await fn();
    } catch (error) {
      metrics.inc("dvpn_indexer_rpc_errors_total", { method });
      throw error;
    }
  }

  async function retrying<T>(method: string, fn: () => Promise<T>): Promise<T> {
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(method, fn);
      } catch (error) {
        if (shutdown.isKilled) throw error;
        logger.warn({ method, attempt, err: (error as Error).message.split("\n")[0] }, "RPC error, retrying");
        await sleep(delay, shutdown.signal);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  return {
    client,
    getChainId: () => retrying("eth_chainId", () => client.getChainId()),
    getBlockNumber: () =>
      retrying("eth_blockNumber", async () => Number(await client.getBlockNumber({ cacheTime: 0 }))),
    getBlock: (number) =>
      retrying("eth_getBlockByNumber", async () => {
        const b = (await client.request({
          method: "eth_getBlockByNumber",
          params: [hex(number) as `0x${string}`, false],
        })) as {
          number: string;
          hash: string;
          parentHash: string;
          timestamp: string;
        } | null;
        if (!b) return undefined;
        return { number: Number(b.number), hash: b.hash, parentHash: b.parentHash, timestamp: Number(b.timestamp) };
      }),
    getLogsOnce: (filter) =>
      once("eth_getLogs", async () => {
        const params =
          "blockHash" in filter
            ? { address: filter.address, blockHash: filter.blockHash }
            : { address: filter.address, fromBlock: hex(filter.fromBlock), toBlock: hex(filter.toBlock) };
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        return (await client.request({ method: "eth_getLogs", params: [params as any] })) as unknown as RawLog[];
      }),
  };
}
