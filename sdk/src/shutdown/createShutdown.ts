/**
 * The one shutdown registry of every long-running part (indexer, gateway agent, scripts,
 * benchmarks): resources register a close function as they start; `shutdown()` aborts `signal`
 * (every loop watches it) and closes them in reverse order, each bounded in time, exactly once.
 * Signals are handled only when asked (`handleSignals`), so an embedded indexer or agent never
 * takes its host's signals.
 */
export interface Shutdown {
  /** Aborted when shutdown begins. */
  signal: AbortSignal;
  /** Whether shutdown has begun. */
  readonly isKilled: boolean;
  /** Registers `close` under `name`; closed in reverse order of registration. */
  add(name: string, close: () => Promise<void> | void): void;
  /** Aborts `signal` and closes everything registered, once (later calls return the same promise). */
  shutdown(reason?: string): Promise<void>;
}

/** Options of {@link createShutdown}. */
export interface CreateShutdownOptions {
  /** SIGINT/SIGTERM run the shutdown, then the process exits (see `signalExitCode`). */
  handleSignals?: boolean;
  /**
   * The exit code after a signal's shutdown when every close succeeded (default 128 + the
   * signal's number: 130, 143); 1 when one failed.
   */
  signalExitCode?: number;
  /** How long one close may take before the next one runs (default 10 000 ms; 0: no bound). */
  timeoutMs?: number;
  /** Where the reason and failed closes are reported (default: a line on stderr). */
  log?: (line: string) => void;
  /** A close still running after this many ms is reported once (default 5 000; 0: never), bounded or not. */
  slowMs?: number;
}

/**
 * Creates a {@link Shutdown}.
 * @example
 * const shutdown = createShutdown({ handleSignals: true });
 * shutdown.add("local chain", () => chain.stop());
 * while (!shutdown.isKilled) await sleep(1000, shutdown.signal);
 */
export function createShutdown(options: CreateShutdownOptions = {}): Shutdown {
  const entries: { name: string; close: () => Promise<void> | void }[] = [];
  const controller = new AbortController();
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const slowMs = options.slowMs ?? 5000;
  let failed = false;
  let running: Promise<void> | undefined;

  const shutdown = (reason?: string): Promise<void> => {
    running ??= (async () => {
      if (reason) log(`shutting down: ${reason}`);
      controller.abort();
      for (const { name, close } of entries.reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const slow =
          slowMs > 0 ? setTimeout(() => log(`closing ${name}: still waiting after ${slowMs} ms`), slowMs) : undefined;
        slow?.unref();
        try {
          const closing = Promise.resolve().then(close);
          await (timeoutMs > 0
            ? Promise.race([
                closing,
                new Promise<void>((_, reject) => {
                  timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
                }),
              ])
            : closing);
        } catch (err) {
          failed = true;
          log(`closing ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          clearTimeout(timer);
          clearTimeout(slow);
        }
      }
    })();
    return running;
  };

  if (options.handleSignals) {
    for (const [sig, number] of [
      ["SIGINT", 2],
      ["SIGTERM", 15],
    ] as const) {
      process.once(sig, () => {
        void shutdown(sig).then(() => process.exit(failed ? 1 : (options.signalExitCode ?? 128 + number)));
      });
    }
  }
  return {
    signal: controller.signal,
    get isKilled() {
      return controller.signal.aborted;
    },
    add: (name, close) => void entries.push({ name, close }),
    shutdown,
  };
}
