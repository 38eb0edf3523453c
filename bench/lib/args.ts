/**
 * Command-line flags of a benchmark command: node's parseArgs, with a bad flag reported in one
 * line (which flag, exit code 2) instead of a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Parses `process.argv` with `options`; exits 2 with a one-line message on a bad flag. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(options: T) {
  try {
    return parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}
