import { pino, destination, type Logger } from "pino";

export type { Logger };

/**
 * Creates the indexer's structured logger (pino, JSON lines on stderr).
 * @param level pino level; `silent` in tests unless DVPN_LOG_LEVEL says otherwise.
 */
export function createLogger(level: string): Logger {
  return pino({ name: "dvpn-indexer", level }, destination(2));
}
