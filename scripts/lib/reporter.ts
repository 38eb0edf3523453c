/**
 * Step-by-step progress for the demo: each step prints its name, its result lines and its
 * duration, so a newcomer sees what the protocol does and how long each part takes.
 */
export interface Reporter {
  /** Runs `fn` as a numbered step and prints ✔/✘ with the time it took. */
  step<T>(title: string, fn: (note: (line: string) => void) => Promise<T>): Promise<T>;
  /** Prints an indented line under the current step. */
  note(line: string): void;
  /** Seconds since the reporter was created. */
  elapsed(): number;
}

/** Creates a {@link Reporter} writing to `write` (stdout by default). */
export function createReporter(write: (text: string) => void = (t) => process.stdout.write(t)): Reporter {
  const started = performance.now();
  let n = 0;
  const note = (line: string) => write(`     ${line}\n`);
  return {
    note,
    elapsed: () => (performance.now() - started) / 1000,
    async step(title, fn) {
      n += 1;
      const t = performance.now();
      write(`${String(n).padStart(2)}. ${title}\n`);
      try {
        const result = await fn(note);
        write(`    ✔ ${((performance.now() - t) / 1000).toFixed(2)} s\n`);
        return result;
      } catch (err) {
        write(`    ✘ ${title} failed after ${((performance.now() - t) / 1000).toFixed(2)} s\n`);
        throw err;
      }
    },
  };
}
