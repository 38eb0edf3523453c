import type { Common } from "../common/common.ts";
import { sleep } from "../common/shutdown.ts";
import type { RawLog } from "../indexing/decodeLogs.ts";
import { isRangeError, type Rpc } from "./createRpc.ts";

export interface LogFetcher {
  /**
   * Logs of the contracts from `fromBlock` up to at most `toBlock`, over an adaptive range:
   * returns the logs and the last block they cover. Range and size errors (including viem's
   * ResponseBodyTooLargeError) halve the range; other errors retry with backoff; successes
   * grow it again.
   */
  fetch(
    fromBlock: number,
    toBlock: number,
  ): Promise<{ logs: RawLog[]; toBlock: number; timestamps: Map<number, number> }>;
  readonly range: number;
}

export function createLogFetcher(common: Common, rpc: Rpc, addresses: string[]): LogFetcher {
  const { config, logger, metrics, shutdown } = common;
  let range = config.initialBlockRange;
  return {
    get range() {
      return range;
    },
    async fetch(fromBlock, toBlock) {
      let delay = 250;
      for (;;) {
        const to = Math.min(toBlock, fromBlock + range - 1);
        try {
          const logs = await rpc.getLogsOnce({ address: addresses, fromBlock, toBlock: to });
          if (to - fromBlock + 1 >= range) range = Math.min(config.maxBlockRange, range * 2);
          metrics.set("dvpn_indexer_log_range_blocks", range);
          const timestamps = new Map<number, number>();
          const missing = [
            ...new Set(logs.filter((l) => l.blockTimestamp === undefined).map((l) => Number(l.blockNumber))),
          ];
          for (let i = 0; i < missing.length; i += 10) {
            const blocks = await Promise.all(missing.slice(i, i + 10).map((n) => rpc.getBlock(n)));
            for (const b of blocks) if (b) timestamps.set(b.number, b.timestamp);
          }
          return { logs, toBlock: to, timestamps };
        } catch (error) {
          if (shutdown.isKilled) throw error;
          if (isRangeError(error) && to > fromBlock) {
            range = Math.max(1, Math.floor((to - fromBlock + 1) / 2));
            metrics.set("dvpn_indexer_log_range_blocks", range);
            logger.debug({ fromBlock, to, range }, "eth_getLogs range too large, splitting");
            continue;
          }
          logger.warn({ fromBlock, to, err: (error as Error).message.split("\n")[0] }, "eth_getLogs failed, retrying");
          await sleep(delay, shutdown.signal);
          delay = Math.min(delay * 2, 10_000);
        }
      }
    },
  };
}
