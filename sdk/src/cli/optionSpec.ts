/** The shape of a command-line option, shared by the commands (command.ts) and the global options (context.ts). */
/** One command-line option of a command. */
export interface OptionSpec {
  type: "string" | "boolean";
  /** One-letter alias. */
  short?: string;
  /** May be given several times (values collected in an array). */
  multiple?: boolean;
  /** Shown in --help. */
  description: string;
  /** Placeholder shown in --help, e.g. "<amount>". */
  value?: string;
}
