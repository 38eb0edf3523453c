/** A failed two-hop run: what stays for `dvpn disconnect` and what the user is told about each session's money. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DvpnError } from "../errors/base.ts";
import { TunnelUpError, type LegResult, type VpnConnectionEvent } from "../tunnel/vpnConnectionTypes.ts";
import { hopSessions, twoHopFailure, type TwoHopFailureFacts } from "./twoHopFailure.ts";

const token = { symbol: "mUSD", decimals: 6 };
const provider = `0x${"22".repeat(20)}` as const;
const opened = (sessionId: bigint) =>
  ({ type: "opened", provider: { address: provider }, opened: { sessionId } }) as unknown as VpnConnectionEvent;
const leg = (sessionId: bigint): LegResult => ({
  provider,
  sessionId,
  deposit: 5_000_000n,
  reason: "stopped",
  outcome: {
    kind: "client-closed",
    hash: `0x${"ab".repeat(32)}`,
    settlementDeadline: 0,
    owedAtMost: 0n,
    paid: 1_000_000n,
    refund: 4_000_000n,
  },
});
const facts = (over: Partial<TwoHopFailureFacts> = {}): TwoHopFailureFacts => ({
  sessions: hopSessions(),
  recorded: true,
  killSwitch: true,
  lockdown: false,
  exitPaidElsewhere: false,
  token,
  ...over,
});

test("an RPC failure with the entry's session still open keeps the state and the kill switch, naming each session", () => {
  const sessions = hopSessions();
  sessions.track("entry", opened(7n));
  sessions.track("exit", opened(8n));
  sessions.track("exit", { type: "left", result: leg(8n), failover: false });
  const f = twoHopFailure(new DvpnError("closeSession: fetch failed"), facts({ sessions }));
  assert.equal(f.keep, true);
  const m = f.error.shortMessage;
  assert.match(m, /^closeSession: fetch failed; /);
  assert.match(m, /entry: session 7 may still be open/);
  assert.match(m, /exit: session 8 closed: paid 1 mUSD, refund 4 mUSD/);
  assert.match(m, /`dvpn disconnect` closes what is still open/);
  assert.match(m, /the kill switch stays on until `dvpn disconnect` lifts it/);
});

test("both hops failing name both errors, and an exit paid by another key names --exit-key-file", () => {
  const sessions = hopSessions();
  sessions.track("entry", opened(7n));
  sessions.track("exit", opened(8n));
  const both = new AggregateError([new DvpnError("exit: RPC unreachable"), new DvpnError("entry: RPC unreachable")]);
  const f = twoHopFailure(both, facts({ sessions, exitPaidElsewhere: true }));
  assert.equal(f.keep, true);
  assert.match(f.error.shortMessage, /both hops failed: exit: RPC unreachable; and entry: RPC unreachable/);
  assert.match(f.error.shortMessage, /entry: session 7 may still be open.*exit: session 8 may still be open/);
  assert.match(f.error.shortMessage, /`dvpn disconnect --exit-key-file <exit key>` closes/);
  assert.equal(f.error.cause, both);
});

test("a tunnel that could not come up, every session closed: nothing kept, the kill switch lifted (kept in lockdown)", () => {
  const sessions = hopSessions();
  sessions.track("entry", opened(7n));
  sessions.track("entry", { type: "left", result: leg(7n), failover: false });
  sessions.track("exit", opened(8n));
  // The SDK closes the leg whose tunnel failed and reports it in the error, not as an event.
  const err = new TunnelUpError("wg-quick up failed", [leg(8n)], new Error("boom"));
  const f = twoHopFailure(err, facts({ sessions }));
  assert.equal(f.keep, false);
  assert.match(f.error.shortMessage, /exit: session 8 closed: paid 1 mUSD/);
  assert.doesNotMatch(f.error.shortMessage, /may still be open|dvpn disconnect/);
  assert.match(f.error.shortMessage, /the kill switch is lifted$/);
  const locked = twoHopFailure(err, facts({ sessions, lockdown: true }));
  assert.match(locked.error.shortMessage, /lockdown: the kill switch stays on until `dvpn unlock`$/);
});

test("no state recorded: nothing to keep; nothing opened says so", () => {
  const f = twoHopFailure(new DvpnError("no pair qualifies"), facts({ recorded: false, killSwitch: false }));
  assert.equal(f.keep, false);
  assert.equal(f.error.shortMessage, "no pair qualifies; nothing was opened or paid");
});
