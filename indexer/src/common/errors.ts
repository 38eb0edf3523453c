/** Base of every indexer error: a short message, optional details and cause. */
export class IndexerError extends Error {
  override name = "IndexerError";
  /** Whether retrying the same operation may succeed (RPC hiccups) or not (bad config). */
  readonly retryable: boolean;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** The configuration is invalid; the message says which option and how to fix it. */
export class ConfigError extends IndexerError {
  override name = "ConfigError";
}

/** The database holds the index of another deployment or chain. */
export class DatabaseMismatchError extends IndexerError {
  override name = "DatabaseMismatchError";
}

/** This instance lost the writer lock; it must stop writing. */
export class WriterLockLostError extends IndexerError {
  override name = "WriterLockLostError";
}
