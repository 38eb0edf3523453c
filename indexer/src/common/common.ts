import type { Config } from "../config/createConfig.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { createShutdown, type Shutdown } from "./shutdown.ts";

/** The one object every factory receives: config, logger, metrics and shutdown. */
export interface Common {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  shutdown: Shutdown;
}

export function createCommon(config: Config): Common {
  return { config, logger: createLogger(config.logLevel), metrics: createMetrics(), shutdown: createShutdown() };
}
