/**
 * The agent's passes: one queue, so passes never overlap, and timers that run a pass every
 * interval while the agent runs (a failed pass is logged, counted and tried again next time).
 */
import type { Logger } from "pino";
import type { Metrics } from "./http/metrics.ts";

/** Parameters of {@link createLoops}. */
export interface LoopsParams {
  log: Logger;
  metrics: Metrics;
  /** Whether the agent runs: a timer that fires after it stopped does nothing. */
  running(): boolean;
}

/** The queue and the timers of one agent. */
export interface Loops {
  /** Runs `fn` after every queued pass; passes never overlap. */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` every `everyMs` while the agent runs (the next timer starts when a pass ends). */
  every(name: string, everyMs: number, fn: () => Promise<unknown>): void;
  /** Clears the timers and waits for the queued passes. */
  stop(): Promise<void>;
}

/** Creates the agent's queue and timers. */
export function createLoops({ log, metrics, running }: LoopsParams): Loops {
  const timers = new Set<NodeJS.Timeout>();
  let queue: Promise<unknown> = Promise.resolve();

  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  }

  function every(name: string, everyMs: number, fn: () => Promise<unknown>): void {
    const run = () => {
      const t = setTimeout(async () => {
        timers.delete(t);
        if (!running()) return;
        try {
          await fn();
        } catch (err) {
          metrics.inc("dvpn_agent_chain_errors_total");
          log.warn({ loop: name, err: (err as Error).message }, "loop pass failed; retrying");
        }
        if (running()) run();
      }, everyMs);
      timers.add(t);
    };
    run();
  }

  async function stop(): Promise<void> {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await queue;
  }

  return { serial, every, stop };
}
