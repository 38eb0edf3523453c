import type { Config } from "../config/createConfig.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { createShutdown, type Shutdown } from "../../../sdk/src/shutdown/createShutdown.ts";

/** The one object every factory receives: config, logger, metrics and shutdown. */
export interface Common {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  shutdown: Shutdown;
}

export function createCommon(config: Config): Common {
  const logger = createLogger(config.logLevel);
  // Closers run without a time bound: the last range's transaction finishes before the database closes.
  const shutdown = createShutdown({ timeoutMs: 0, log: (line) => logger.warn(line) });
  return { config, logger, metrics: createMetrics(), shutdown };
}
