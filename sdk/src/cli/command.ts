import type { z } from "zod";
import type { CliContext } from "./context.ts";
import type { OptionSpec } from "./optionSpec.ts";

/**
 * A CLI command: its words (e.g. `["provider", "register"]`), options with a zod schema
 * that validates them (plus `positionals`), help text with examples, and `run`.
 */
export interface Command<S extends z.ZodType = z.ZodType> {
  path: readonly string[];
  summary: string;
  /** Positional arguments, for the usage line, e.g. "<session-id>". */
  args?: string;
  options: Record<string, OptionSpec>;
  /** Validates `{ ...options, positionals }`. */
  schema: S;
  examples: readonly string[];
  /** Extra help paragraphs. */
  notes?: readonly string[];
  run(ctx: CliContext, options: z.infer<S>): Promise<void>;
}

/** Declares a command with its inferred option types. */
export function defineCommand<S extends z.ZodType>(command: Command<S>): Command<S> {
  return command;
}
