/**
 * What `dvpn connect` does with a session that was accepted but cannot be used: it closes it at
 * once and says what happens to the deposit. Kept apart from the command so it can be tested
 * without a chain.
 */
import type { Hex } from "viem";
import { DvpnError } from "../errors/base.ts";
import { parseTunnelAddress, type TunnelAddress } from "../wireguard/config.ts";
import { formatAmount, formatTime, type TokenInfo } from "./format.ts";

/** The part of a DvpnClient these helpers use. */
export interface SessionCloser {
  closeSession(p: { sessionId: bigint }): Promise<{ hash: Hex; settlementDeadline: number }>;
}

/** The unused session: its id, deposit and token. */
export interface UnusedSession {
  sessionId: bigint;
  deposit: bigint;
  token: TokenInfo;
}

/**
 * Closes an accepted session nothing went through and returns the error to throw: `why`, then
 * the close transaction and how the deposit comes back.
 */
export async function closeUnused(
  client: SessionCloser,
  s: UnusedSession,
  why: string,
  cause?: unknown,
): Promise<DvpnError> {
  const closed = await client.closeSession({ sessionId: s.sessionId });
  return new DvpnError(
    `${why}; session ${s.sessionId} closed (transaction ${closed.hash}): nothing was used, so \`dvpn session finalize ${s.sessionId}\` after ${formatTime(closed.settlementDeadline)} refunds the ${formatAmount(s.deposit, s.token)} deposit, unless the provider settles earlier`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * The accepted tunnel address parsed; one that is not a comma-separated list of IP addresses
 * with prefixes (e.g. `10.77.0.2/16,fd77::2/64`) is refused: the session is closed and a
 * {@link DvpnError} saying so, and what happens to the deposit, is thrown.
 */
export async function tunnelOrClose(
  client: SessionCloser,
  tunnelAddress: string,
  s: UnusedSession,
): Promise<TunnelAddress> {
  try {
    const parsed = parseTunnelAddress(tunnelAddress);
    if (parsed.addresses.length === 0) throw new RangeError("no address");
    return parsed;
  } catch (err) {
    throw await closeUnused(
      client,
      s,
      `the provider's tunnel address ${JSON.stringify(tunnelAddress)} is not a list of IP addresses with prefixes (e.g. 10.77.0.2/16)`,
      err,
    );
  }
}
