import { DvpnError } from "../errors/base.ts";

/** The command line itself is wrong: unknown command or option, missing argument. Exit code 2. */
export class UsageError extends DvpnError {
  override name = "UsageError";
  /** @param message what is wrong, and how to get help. */
  constructor(message: string) {
    super(message);
  }
}
