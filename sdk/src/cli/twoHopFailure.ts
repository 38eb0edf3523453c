/**
 * What `dvpn connect --hops 2` says and keeps when its run fails: each hop's session and its
 * money, both hops' errors, and whether the state file and the kill switch stay for
 * `dvpn disconnect` (a session may still be open, e.g. closing it failed on an unreachable RPC).
 */
import { DvpnError } from "../errors/base.ts";
import type { Hop } from "../tunnel/createTwoHopConnection.ts";
import { TunnelUpError, type LegResult, type VpnConnectionEvent } from "../tunnel/vpnConnectionTypes.ts";
import type { TokenInfo } from "./format.ts";
import { legMoneyLine } from "./payTunnel.ts";

const HOPS: Hop[] = ["entry", "exit"];

/** Each hop's last session, as its events told it. */
export interface HopSessions {
  /** Takes one of a hop's events. */
  track(hop: Hop, event: VpnConnectionEvent): void;
  /** Each hop's last session: its id, and how it was left (undefined while it may be open). */
  last(): Partial<Record<Hop, { sessionId: bigint; left?: LegResult }>>;
}

/** @returns a tracker of each hop's last session. */
export function hopSessions(): HopSessions {
  const last: Partial<Record<Hop, { sessionId: bigint; left?: LegResult }>> = {};
  return {
    track(hop, e) {
      if (e.type === "opened") last[hop] = { sessionId: e.opened.sessionId };
      else if (e.type === "left") last[hop] = { sessionId: e.result.sessionId, left: e.result };
    },
    last: () => ({ ...last }),
  };
}

/** The facts {@link twoHopFailure} decides on. */
export interface TwoHopFailureFacts {
  sessions: HopSessions;
  /** The state file was there when the run failed. */
  recorded: boolean;
  /** The kill switch is on. */
  killSwitch: boolean;
  lockdown: boolean;
  /** The exit's sessions are paid by `--exit-key-file`, not the wallet. */
  exitPaidElsewhere: boolean;
  token: TokenInfo;
}

/**
 * Decides what a failed two-hop run keeps and says.
 * @param err what the run threw (an AggregateError when both hops failed).
 * @param f the facts.
 * @returns keep: the state file and the kill switch stay for `dvpn disconnect`; error: the one to
 *   throw, naming every hop's error and each session's money.
 */
export function twoHopFailure(err: unknown, f: TwoHopFailureFacts): { keep: boolean; error: DvpnError } {
  const errors = err instanceof AggregateError ? (err.errors as unknown[]) : [err];
  const last = f.sessions.last();
  // A leg whose tunnel failed is closed by the SDK and reported in the error, not as an event.
  for (const e of errors) {
    if (!(e instanceof TunnelUpError)) continue;
    for (const leg of e.legs) {
      for (const hop of HOPS) if (last[hop]?.sessionId === leg.sessionId) last[hop] = { ...last[hop], left: leg };
    }
  }
  const open = HOPS.filter((h) => last[h] && !last[h].left);
  const keep = f.recorded && (open.length > 0 || errors.some((e) => !(e instanceof TunnelUpError)));
  const what = errors.map((e) => (e as DvpnError).shortMessage ?? String(e));
  const failed = what.length > 1 ? `both hops failed: ${what.join("; and ")}` : what[0]!;
  const exitKey = f.exitPaidElsewhere ? " --exit-key-file <exit key>" : "";
  const money = HOPS.flatMap((hop) => {
    const s = last[hop];
    if (!s) return [];
    if (s.left) return [`${hop}: ${legMoneyLine(s.left, f.token)}`];
    return [`${hop}: session ${s.sessionId} may still be open (its deposit stays in escrow until it is closed)`];
  });
  if (money.length === 0) money.push("nothing was opened or paid");
  let switchLine: string;
  if (f.lockdown) switchLine = "lockdown: the kill switch stays on until `dvpn unlock`";
  else if (!f.killSwitch) switchLine = "";
  else if (keep) switchLine = "the kill switch stays on until `dvpn disconnect` lifts it";
  else switchLine = "the kill switch is lifted";
  const parts = [failed, ...money, ...(keep ? [`\`dvpn disconnect${exitKey}\` closes what is still open`] : [])];
  if (switchLine) parts.push(switchLine);
  return { keep, error: new DvpnError(parts.join("; "), { cause: err }) };
}
