import { FeedError } from "../errors/feed.ts";

/** How long a feed request may take by default (ms): `feedTimeoutMs` of createDvpnClient changes it. */
export const DEFAULT_FEED_TIMEOUT_MS = 10_000;
/** Longest accepted `feedTimeoutMs` (the largest delay a timer can have). */
export const MAX_FEED_TIMEOUT_MS = 2 ** 31 - 1;

/** A deadline for one feed request: aborts the request and rejects its steps once it passes. */
export interface FeedDeadline {
  /** Aborted when the deadline passes; give it to `fetch`. */
  signal: AbortSignal;
  /**
   * Settles like `step`, or rejects with the timeout's {@link FeedError} when the deadline passes
   * first (also when a custom `fetch` ignores the signal).
   */
  race<T>(step: Promise<T>): Promise<T>;
  /** True once the deadline has passed. */
  expired(): boolean;
  /** Stops the timer (the request is answered, or is a stream that may now run for as long as it likes). */
  clear(): void;
}

/**
 * Starts the deadline of one request to `url`: `timeoutMs` when given, else {@link DEFAULT_FEED_TIMEOUT_MS}.
 * The error names the URL and the timeout: `indexer feed at <url>: no answer within 10000 ms (feedTimeoutMs)`.
 */
export function feedDeadline(url: string, timeoutMs: number | undefined): FeedDeadline {
  const ms = timeoutMs ?? DEFAULT_FEED_TIMEOUT_MS;
  const controller = new AbortController();
  const error = () =>
    new FeedError({
      url,
      reason: `no answer within ${ms} ms (feedTimeoutMs; createDvpnClient sets it, default ${DEFAULT_FEED_TIMEOUT_MS})`,
      cause: controller.signal.reason,
    });
  const timer = setTimeout(
    () => controller.abort(new DOMException(`feed request timed out after ${ms} ms`, "TimeoutError")),
    ms,
  );
  return {
    signal: controller.signal,
    expired: () => controller.signal.aborted,
    clear: () => clearTimeout(timer),
    race<T>(step: Promise<T>): Promise<T> {
      if (controller.signal.aborted) return Promise.reject(error());
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(error());
        controller.signal.addEventListener("abort", onAbort, { once: true });
        step.then(
          (v) => {
            controller.signal.removeEventListener("abort", onAbort);
            resolve(v);
          },
          (err: unknown) => {
            controller.signal.removeEventListener("abort", onAbort);
            reject(controller.signal.aborted ? error() : err);
          },
        );
      });
    },
  };
}
