/** Version string printed in every {@link DvpnError} message. */
export const SDK_VERSION = "dvpn-sdk@0.1.0";

/** Options shared by every {@link DvpnError}. */
export interface DvpnErrorOptions {
  /** The lower-level error this one wraps. */
  cause?: unknown;
  /** Extra detail, for logs (never contains a key). */
  details?: string;
  /** Extra lines shown under the short message. */
  metaMessages?: string[];
}

/**
 * The base of every error the SDK throws. `shortMessage` is one human line (what the CLI
 * prints); `details` and `cause` keep the full story; `walk()` finds a cause in the chain.
 *
 * @example
 * try { await client.openSession({ ... }) }
 * catch (e) { if (e instanceof DvpnError) console.error(e.shortMessage) }
 */
export class DvpnError extends Error {
  override name = "DvpnError";
  /** One human line saying what went wrong. */
  shortMessage: string;
  /** More detail, when known. */
  details: string | undefined;
  /** Extra lines shown under the short message. */
  metaMessages: string[] | undefined;

  /**
   * @param shortMessage one human line.
   * @param options cause, details and extra lines.
   */
  constructor(shortMessage: string, options: DvpnErrorOptions = {}) {
    const details =
      options.details ??
      (options.cause instanceof Error
        ? ((options.cause as { shortMessage?: string }).shortMessage ?? options.cause.message)
        : undefined);
    const lines = [
      shortMessage,
      ...(options.metaMessages?.length ? ["", ...options.metaMessages] : []),
      ...(details && details !== shortMessage ? ["", `Details: ${details}`] : []),
      `Version: ${SDK_VERSION}`,
    ];
    super(lines.join("\n"), options.cause !== undefined ? { cause: options.cause } : undefined);
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = options.metaMessages;
  }

  /**
   * Walks the cause chain and returns the deepest error, or the first one for which `fn`
   * returns true (`null` when none matches).
   * @param fn optional predicate.
   * @returns the matching error.
   * @example const revert = err.walk((e) => e instanceof ContractRevertError)
   */
  walk(fn?: (err: unknown) => boolean): unknown {
    let current: unknown = this;
    for (let depth = 0; depth < 32; depth++) {
      if (fn?.(current)) return current;
      const next = (current as { cause?: unknown } | null)?.cause;
      if (next === undefined || next === null) return fn ? null : current;
      current = next;
    }
    return fn ? null : current;
  }
}
