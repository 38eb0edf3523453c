/**
 * The backfill's fetch thread (see createRangeThread in createRangeFetcher.ts): reads block
 * ranges from the node, parses and decodes them off the thread that applies and writes them.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createShutdown } from "../../../sdk/src/shutdown/createShutdown.ts";
import type { Common } from "../common/common.ts";
import { createLogger } from "../common/logger.ts";
import type { Metrics } from "../common/metrics.ts";
import type { Config } from "../config/createConfig.ts";
import { contractsOf } from "../indexing/decodeLogs.ts";
import { createBackfillLogFetcher, readRange, type RangeReply, type RangeRequest } from "./createRangeFetcher.ts";
import { createRpc } from "./createRpc.ts";

const port = parentPort;
if (!port) throw new Error("rangeWorker.ts runs as the worker thread of createRangeThread");
const { config } = workerData as { config: Config };

const post = (reply: RangeReply) => port.postMessage(reply);
/** Counters and gauges are kept in the indexer's one registry, on the main thread. */
const metrics: Metrics = {
  inc: (name, labels, value) => post({ type: "metric", op: "inc", name, labels, value }),
  set: (name, value, labels) => post({ type: "metric", op: "set", name, labels, value }),
  observe: (name, value, labels) => post({ type: "metric", op: "observe", name, labels, value }),
  get: () => {
    throw new Error("metrics are read on the main thread");
  },
  render: () => {
    throw new Error("metrics are rendered on the main thread");
  },
};
const logger = createLogger(config.logLevel);
// The main thread terminates this one: nothing is registered to close here.
const shutdown = createShutdown({ timeoutMs: 0, log: (line) => logger.warn(line) });
const common: Common = { config, logger, metrics, shutdown };
const rpc = createRpc(common);
const fetcher = createBackfillLogFetcher(common, rpc);
const contracts = contractsOf(config.deployment);
/** Wall-clock milliseconds, placed on the main thread's clock there (whatever each thread's origin). */
const now = () => performance.timeOrigin + performance.now();

port.on("message", (request: RangeRequest) => {
  readRange(fetcher, rpc, contracts, request.from, request.safe, now).then(
    (range) => post({ type: "range", id: request.id, range }),
    (error: unknown) =>
      post({ type: "failed", id: request.id, message: error instanceof Error ? error.message : String(error) }),
  );
});
