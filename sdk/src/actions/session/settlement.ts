import { parseEventLogs, type Log } from "viem";
import { sessionEscrowAbi } from "../../abi/index.ts";

/** How a close ended: the settlement deadline (client close) or the settled amounts (provider close / finalize). */
export interface SessionCloseOutcome {
  /** Unix time until which the provider may still claim; 0 when the session settled at once. */
  settlementDeadline: number;
  /** Gross amount paid out (fees included), when the session settled in this transaction. */
  paid: bigint | undefined;
  /** Amount returned to the client, when the session settled in this transaction. */
  refund: bigint | undefined;
}

/** Reads SessionClosed / SessionSettled from a receipt's logs. */
export function closeOutcome(logs: Log[], sessionId: bigint): SessionCloseOutcome {
  const events = parseEventLogs({ abi: sessionEscrowAbi, logs });
  let settlementDeadline = 0;
  let paid: bigint | undefined;
  let refund: bigint | undefined;
  for (const e of events) {
    if (e.eventName === "SessionClosed" && e.args.sessionId === sessionId)
      settlementDeadline = Number(e.args.settlementDeadline);
    if (e.eventName === "SessionSettled" && e.args.sessionId === sessionId) {
      paid = e.args.paid;
      refund = e.args.refund;
    }
  }
  return { settlementDeadline, paid, refund };
}
