import { DvpnError } from "./base.ts";

/** A session was not accepted: its accept deadline passed, it was cancelled, or waiting timed out. */
export class SessionNotAcceptedError extends DvpnError {
  override name = "SessionNotAcceptedError";
  /** The session's id. */
  sessionId: bigint;
  /** @param params the session and why waiting stopped. */
  constructor(params: { sessionId: bigint; reason: string }) {
    super(`session ${params.sessionId} was not accepted: ${params.reason}`);
    this.sessionId = params.sessionId;
  }
}
