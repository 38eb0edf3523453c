/**
 * The `dvpn` command line: `dvpn <command> [options]`. Built on the SDK only.
 * Data goes to stdout (tables, or JSON with --json), progress and errors to stderr.
 * Exit codes: 0 success, 1 failure, 2 bad usage or input, 130 interrupted.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { ZodError } from "zod";
import { DvpnError } from "../errors/base.ts";
import { InvalidInputError } from "../errors/input.ts";
import type { Command } from "./command.ts";
import type { OptionSpec } from "./optionSpec.ts";
import { COMMANDS } from "./commands/index.ts";
import { createCliContext, GLOBAL_OPTIONS, resolveGlobals } from "./context.ts";
import { UsageError } from "./errors.ts";
import { printable } from "./format.ts";
import { createOutput } from "./output.ts";

const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : "    "}--${name}${o.value ? ` ${o.value}` : ""}`,
    o.description + (o.multiple ? " (repeatable)" : ""),
  ]);
  const width = Math.max(...rows.map(([a]) => a!.length));
  return rows.map(([a, b]) => `  ${a!.padEnd(width)}  ${b}`);
}

/** The --help text of a command. */
export function commandHelp(cmd: Command): string {
  return [
    `dvpn ${cmd.path.join(" ")}: ${cmd.summary}`,
    "",
    `Usage: dvpn ${cmd.path.join(" ")}${cmd.args ? ` ${cmd.args}` : ""} [options]`,
    ...(cmd.notes?.length ? ["", ...cmd.notes] : []),
    ...(Object.keys(cmd.options).length ? ["", "Options:", ...optionLines(cmd.options)] : []),
    "",
    "Global options:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    "Examples:",
    ...cmd.examples.map((e) => `  ${e}`),
  ].join("\n");
}

/** The top-level --help text. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(" ").length + (c.args ? c.args.length + 1 : 0)));
  return [
    "dvpn: decentralized VPN on any EVM chain (providers, sessions, governance).",
    "",
    "Usage: dvpn <command> [options]      dvpn <command> --help for its options and examples",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${(c.path.join(" ") + (c.args ? ` ${c.args}` : "")).padEnd(width)}  ${c.summary}`),
    "",
    "Global options:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    "Keys come from --key-file or DVPN_PRIVATE_KEY and are never printed.",
    "",
    "Examples:",
    "  dvpn providers --region DE --available",
    "  dvpn connect --region DE --max-price-gib 0.05 --deposit 5 --key-file ~/.dvpn/key",
    "  dvpn gov proposals --json",
  ].join("\n");
}

function findCommand(words: string[]): { cmd: Command | undefined; rest: string[] } {
  let best: Command | undefined;
  for (const cmd of COMMANDS) {
    if (cmd.path.every((w, i) => words[i] === w) && (!best || cmd.path.length > best.path.length)) best = cmd;
  }
  return { cmd: best, rest: best ? words.slice(best.path.length) : words };
}

/** The non-option words of `argv`, skipping the values of string options (`--rpc <url>`). */
function commandWords(argv: string[]): string[] {
  const valued = new Set<string>();
  for (const spec of [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)]) {
    for (const [name, o] of Object.entries(spec)) {
      if (o.type === "string") {
        valued.add(`--${name}`);
        if (o.short) valued.add(`-${o.short}`);
      }
    }
  }
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (valued.has(a)) i++;
    else if (!a.startsWith("-")) words.push(a);
  }
  return words;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let json = argv.includes("--json");
  try {
    const words = commandWords(argv);
    if (argv.length === 0 || ((argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") && words.length <= 1)) {
      process.stdout.write(mainHelp() + "\n");
      return argv.length === 0 ? 2 : 0;
    }
    const { cmd } = findCommand(words[0] === "help" ? words.slice(1) : words);
    if (!cmd) {
      const group = COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === words[0]);
      if (group.length) {
        throw new UsageError(`${words[0]} needs a subcommand: ${group.map((c) => c.path[1]).join(", ")}`);
      }
      throw new UsageError(`unknown command "${words.join(" ")}": run dvpn --help for the list`);
    }
    if (words[0] === "help") {
      process.stdout.write(commandHelp(cmd) + "\n");
      return 0;
    }
    // Drop the command's words where they stand (not a same-named option value).
    const rest = [...argv];
    let from = 0;
    for (const word of cmd.path) {
      let at = rest.indexOf(word, from);
      while (at > 0 && rest[at - 1]!.startsWith("-") && commandWords(rest.slice(at - 1, at + 1)).length === 0) {
        at = rest.indexOf(word, at + 1);
      }
      rest.splice(at, 1);
      from = at;
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...GLOBAL_OPTIONS, ...cmd.options } as ParseArgsOptionsConfig,
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new UsageError(`${(err as Error).message.split("\n")[0]}. See dvpn ${cmd.path.join(" ")} --help`);
    }
    const values = parsed.values as Record<string, unknown>;
    if (values.help) {
      process.stdout.write(commandHelp(cmd) + "\n");
      return 0;
    }
    const globals = resolveGlobals(values, env);
    json = globals.json;
    const own: Record<string, unknown> = { positionals: parsed.positionals };
    for (const name of Object.keys(cmd.options)) if (values[name] !== undefined) own[camel(name)] = values[name];
    const options = cmd.schema.parse(own);
    const out = createOutput({ json: globals.json });
    const ctx = createCliContext({ globals, out, env, signal: controller.signal });
    await cmd.run(ctx, options);
    return 0;
  } catch (err) {
    const { message, code } = describeError(err, controller.signal.aborted);
    if (json) process.stdout.write(JSON.stringify({ error: message }) + "\n");
    process.stderr.write(`dvpn: ${printable(message, "\n")}\n`);
    if (env.DVPN_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return code;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** One line and an exit code for any error. */
export function describeError(err: unknown, interrupted = false): { message: string; code: number } {
  if (interrupted) return { message: "interrupted", code: 130 };
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const field = issue?.path.length
      ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}`
      : "";
    const name = field === "--positionals" ? "argument" : field;
    return { message: `invalid ${name}${name ? ": " : ""}${issue?.message ?? "invalid option"}`, code: 2 };
  }
  if (err instanceof UsageError || err instanceof InvalidInputError) return { message: err.shortMessage, code: 2 };
  if (err instanceof DvpnError) return { message: err.shortMessage.split("\n")[0]!, code: 1 };
  const text = err instanceof Error ? err.message : String(err);
  return { message: text.split("\n")[0]!, code: 1 };
}

if (import.meta.main) {
  // runCli turns every error into an exit code: it does not reject.
  void runCli(process.argv.slice(2)).then((code) => {
    // A command that succeeded may still set its own exit code (connect: 3 when the provider ended the session).
    process.exitCode = code === 0 ? (process.exitCode ?? 0) : code;
  });
}
