/**
 * A shutdown registry: resources register a close function as they start; `shutdown()` (or
 * SIGINT/SIGTERM) closes them in reverse order, each bounded in time, exactly once.
 */
export interface Shutdown {
  /** Registers `close` under `name`; closed in reverse order of registration. */
  add(name: string, close: () => Promise<void> | void): void;
  /** Closes everything registered (idempotent). */
  shutdown(reason?: string): Promise<void>;
  /** Aborted when shutdown begins. */
  signal: AbortSignal;
}

/** Creates a {@link Shutdown}; with `handleSignals`, SIGINT/SIGTERM run it and exit with `exitCode`. */
export function createShutdown(
  options: { handleSignals?: boolean; timeoutMs?: number; log?: (line: string) => void } = {},
): Shutdown {
  const entries: { name: string; close: () => Promise<void> | void }[] = [];
  const controller = new AbortController();
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  let running: Promise<void> | undefined;

  const shutdown = (reason?: string): Promise<void> => {
    running ??= (async () => {
      if (reason) log(`shutting down: ${reason}`);
      controller.abort();
      for (const { name, close } of entries.reverse()) {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(close),
            new Promise<void>((_, reject) => {
              timer = setTimeout(() => reject(new Error("timed out")), options.timeoutMs ?? 10_000);
            }),
          ]);
        } catch (err) {
          log(`closing ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          clearTimeout(timer);
        }
      }
    })();
    return running;
  };

  if (options.handleSignals) {
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      process.once(sig, () => {
        void shutdown(sig).then(() => process.exit(sig === "SIGINT" ? 130 : 143));
      });
    }
  }
  return { add: (name, close) => void entries.push({ name, close }), shutdown, signal: controller.signal };
}
