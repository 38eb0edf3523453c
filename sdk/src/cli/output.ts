/**
 * Output: data on stdout (a table or `--json`), progress and errors on stderr. Nothing here
 * ever prints a key. Human text passes through {@link printable}: an endpoint or tunnel
 * address holding escape sequences or control characters is shown escaped, never run.
 */
import { printable } from "./format.ts";

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Renders rows as an aligned text table with a header (cells shown {@link printable}, one line each). */
export function table(headers: readonly string[], rawRows: readonly (readonly string[])[]): string {
  const rows = rawRows.map((r) => r.map((c) => printable(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Renders label/value pairs, one per line, labels aligned (values shown {@link printable}). */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${printable(v)}`).join("\n");
}

/** Where a command writes. */
export interface Output {
  json: boolean;
  /** Prints a result: `value` as JSON with --json, else the human text. */
  result(value: unknown, human: () => string): void;
  /** A progress line on stderr. */
  progress(message: string): void;
  /** A spinner on stderr (a plain line when stderr is not a terminal); returns a stop function. */
  spinner(message: string): { update(message: string): void; stop(final?: string): void };
}

/** Output to the process's stdout/stderr. */
export function createOutput(params: {
  json: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
}): Output {
  const stdout = params.stdout ?? process.stdout;
  const stderr = params.stderr ?? process.stderr;
  const tty = (stderr as NodeJS.WriteStream).isTTY === true;
  return {
    json: params.json,
    result(value, human) {
      stdout.write((params.json ? toJson(value) : printable(human(), "\n")) + "\n");
    },
    progress(message) {
      stderr.write(`${printable(message, "\n")}\n`);
    },
    spinner(raw) {
      const message = printable(raw, "\n");
      const frames = ["|", "/", "-", "\\"];
      let i = 0;
      let text = message;
      if (!tty) {
        stderr.write(`${message}\n`);
        return {
          update(raw) {
            const m = printable(raw, "\n");
            if (m !== text) stderr.write(`${m}\n`);
            text = m;
          },
          stop(final) {
            if (final) stderr.write(`${printable(final, "\n")}\n`);
          },
        };
      }
      const timer = setInterval(() => stderr.write(`\r${frames[i++ % frames.length]} ${text}\x1b[K`), 120);
      timer.unref();
      return {
        update(m) {
          text = printable(m);
        },
        stop(final) {
          clearInterval(timer);
          stderr.write(`\r\x1b[K${final ? printable(final, "\n") + "\n" : ""}`);
        },
      };
    },
  };
}
