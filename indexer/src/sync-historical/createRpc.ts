import { createPublicClient, fallback, http, webSocket, type PublicClient, type Transport } from "viem";
import { createLogRpc } from "../../../sdk/src/events/createLogRpc.ts";
import type { LogRpc } from "../../../sdk/src/events/types.ts";
import { sleep } from "../../../sdk/src/shutdown/sleep.ts";
import type { Common } from "../common/common.ts";

/** JSON-RPC access with retries: every call retries with backoff until it succeeds or shutdown. */
export interface Rpc extends LogRpc {
  client: PublicClient;
  getChainId(): Promise<number>;
  getBlockNumber(): Promise<number>;
}

export function createRpc(common: Common): Rpc {
  const { config, metrics, logger, shutdown } = common;
  const transports: Transport[] = config.rpcUrls.map((url) =>
    url.startsWith("ws") ? webSocket(url, { retryCount: 0 }) : http(url, { retryCount: 0, timeout: 30_000 }),
  );
  const transport = transports.length === 1 ? transports[0]! : fallback(transports, { retryCount: 0 });
  const client = createPublicClient({ transport }) as PublicClient;
  const raw = createLogRpc(client);

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
    getBlock: (number) => retrying("eth_getBlockByNumber", () => raw.getBlock(number)),
    getLogsOnce: (filter) => once("eth_getLogs", () => raw.getLogsOnce(filter)),
  };
}
