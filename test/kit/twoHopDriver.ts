/**
 * A scripted two-hop tunnel driver for tests of `createTwoHopConnection` without WireGuard: each
 * hop's counter grows with time, its handshake is always fresh and every voucher is taken as
 * metered. It records what it was asked and each session's latest voucher (for the provider's
 * claim), and stops the run after a number of exit vouchers.
 */
import assert from "node:assert/strict";
import type { Address } from "viem";
import type { TwoHopTunnelDriver } from "../../sdk/src/tunnel/createTwoHopConnection.ts";
import type { OutgoingVoucher } from "../../sdk/src/tunnel/createTunnelSession.ts";
import type { TunnelLeg, TunnelUp } from "../../sdk/src/tunnel/createVpnConnection.ts";
import { tunnelConflict } from "../../sdk/src/tunnel/tunnelConflict.ts";

/** What {@link scriptedTwoHopDriver} returns. */
export interface ScriptedTwoHopDriver {
  driver: TwoHopTunnelDriver;
  /** `up entry 0x…`, `down exit 0x…`, … in order. */
  calls: string[];
  /** Each session's latest voucher, with its provider. */
  vouchers: Map<bigint, { provider: Address; voucher: OutgoingVoucher }>;
}

/**
 * @param stop aborted once the exit took `exitVouchersToStop` vouchers.
 * @param exitVouchersToStop how many exit vouchers the run lasts.
 */
export function scriptedTwoHopDriver(stop: AbortController, exitVouchersToStop: number): ScriptedTwoHopDriver {
  const calls: string[] = [];
  const vouchers: ScriptedTwoHopDriver["vouchers"] = new Map();
  let exitVouchers = 0;
  const up = (leg: TunnelLeg, hop: "entry" | "exit"): TunnelUp => {
    const started = Date.now();
    calls.push(`up ${hop} ${leg.provider.address}`);
    return {
      iface: `test-${hop}`,
      readBytes: async () => BigInt((Date.now() - started) * 100),
      readHandshake: async () => Math.floor(Date.now() / 1000),
      send: async (v) => {
        vouchers.set(v.sessionId, { provider: leg.provider.address, voucher: v });
        if (hop === "exit" && ++exitVouchers >= exitVouchersToStop) stop.abort();
        return { meteredBytes: v.bytes, meteredSeconds: v.seconds };
      },
    };
  };
  const driver: TwoHopTunnelDriver = {
    upEntry: async (leg) => up(leg, "entry"),
    downEntry: async (leg) => void calls.push(`down entry ${leg.provider.address}`),
    upExit: async (leg, carrier) => {
      // The connection never asks for an exit whose tunnel clashes with its carrier.
      assert.equal(tunnelConflict(leg.tunnel, carrier.tunnel), undefined);
      return up(leg, "exit");
    },
    downExit: async (leg) => void calls.push(`down exit ${leg.provider.address}`),
  };
  return { driver, calls, vouchers };
}
