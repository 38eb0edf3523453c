/** Base of every error the gateway agent throws on purpose. */
export class AgentError extends Error {
  override name = "AgentError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A configuration value is missing or invalid; the message names it and how to fix it. */
export class ConfigError extends AgentError {
  override name = "ConfigError";
}

/** A value meant for a `wg`/`ip` argument failed validation (never passed to the command). */
export class WgArgumentError extends AgentError {
  override name = "WgArgumentError";
}

/** A `wg`/`ip`/`wireguard-go` command failed. */
export class WgCommandError extends AgentError {
  override name = "WgCommandError";
}

/** The tunnel address pool has no free address (all in use or in quarantine). */
export class AddressPoolExhaustedError extends AgentError {
  override name = "AddressPoolExhaustedError";
}
