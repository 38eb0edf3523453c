/**
 * Owns the order in which resources close and an AbortSignal every loop watches.
 * Signals (SIGINT/SIGTERM) are wired by the CLI (main.ts), not here, so an in-process
 * indexer never steals the host's signals.
 */
export interface Shutdown {
  signal: AbortSignal;
  /** Registers a closer; closers run in reverse order of registration. */
  add(fn: () => Promise<void> | void): void;
  /** Aborts the signal and runs every closer once (later calls return the same promise). */
  kill(): Promise<void>;
  readonly isKilled: boolean;
}

export function createShutdown(): Shutdown {
  const controller = new AbortController();
  const closers: (() => Promise<void> | void)[] = [];
  let done: Promise<void> | undefined;
  return {
    signal: controller.signal,
    add(fn) {
      closers.push(fn);
    },
    get isKilled() {
      return controller.signal.aborted;
    },
    kill() {
      done ??= (async () => {
        controller.abort();
        for (const fn of closers.reverse()) {
          try {
            await fn();
          } catch {
            /* keep closing the rest */
          }
        }
      })();
      return done;
    },
  };
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
