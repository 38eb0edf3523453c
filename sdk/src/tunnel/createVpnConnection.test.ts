/**
 * The connection's failover on the in-process chain, with a test driver in place of wg-quick and
 * simulated agents in place of the voucher API: a provider that never accepts is withdrawn at once
 * (full refund), one whose agent stops taking vouchers is left after the grace with its session
 * closed by the client (it may claim its best voucher), and the next one is paid until the stop.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Address } from "viem";
import { ContractRevertError } from "../errors/contract.ts";
import { priceUsage } from "../vouchers/usage.ts";
import { USD, sdkFixture, type SdkFixture } from "../../test/fixture.ts";
import { createVpnConnection, type TunnelLeg, type VpnConnectionEvent } from "./createVpnConnection.ts";
import type { OutgoingVoucher } from "./createTunnelSession.ts";

describe("createVpnConnection", () => {
  let f: SdkFixture;
  type P = Awaited<ReturnType<SdkFixture["registerProviderAccount"]>>;
  let silent: P; // never accepts
  let dying: P; // accepts, then its agent stops answering
  let healthy: P; // accepts and stays
  before(async () => {
    f = await sdkFixture();
    silent = await f.registerProviderAccount(1, { pricePerGiB: 1_000n, pricePerMinute: 60n, region: "NL" });
    dying = await f.registerProviderAccount(2, { pricePerGiB: 2_000n, pricePerMinute: 60n, region: "NL" });
    healthy = await f.registerProviderAccount(3, { pricePerGiB: 3_000n, pricePerMinute: 60n, region: "NL" });
  });
  after(async () => {
    await f.connection.close();
  });

  it(
    "withdraws an unaccepted session, leaves a dead provider after the grace, and pays the next",
    { timeout: 120_000 },
    async () => {
      const client = f.clientFor(5);
      await f.fund(client.account!.address);
      const byAddress = new Map<string, P>([dying, healthy].map((p) => [p.address.toLowerCase(), p]));
      const events: VpnConnectionEvent[] = [];
      const driver: string[] = [];
      const delivered = new Map<bigint, OutgoingVoucher[]>();
      let dyingSince: number | undefined;
      const controller = new AbortController();
      const accepting: Promise<unknown>[] = [];
      const connection = createVpnConnection(client, {
        choice: { region: "NL", maxPricePerGiB: 5_000n },
        deposit: USD(2),
        acceptTimeoutMs: 1_500,
        acceptPollMs: 100,
        session: { unreachableAfterMs: 800, tickMs: 20, probeIntervalMs: 200, chainCheckMs: 300 },
        tunnel: {
          async up(leg: TunnelLeg, previous?: TunnelLeg) {
            driver.push(`up ${leg.provider.address} after ${previous?.provider.address ?? "none"}`);
            const started = Date.now();
            return {
              iface: "test0",
              readBytes: async () => BigInt((Date.now() - started) * 1_000),
              readHandshake: async () => Math.floor(Date.now() / 1000),
              send: async (v: OutgoingVoucher) => {
                if (leg.provider.address === dying.address && (dyingSince ??= Date.now() + 1_000) <= Date.now()) {
                  throw new Error("connection refused");
                }
                delivered.set(v.sessionId, [...(delivered.get(v.sessionId) ?? []), v]);
                if (leg.provider.address === healthy.address && delivered.get(v.sessionId)!.length >= 5) {
                  controller.abort();
                }
                return { meteredBytes: v.bytes, meteredSeconds: v.seconds };
              },
            };
          },
          async down(leg: TunnelLeg) {
            driver.push(`down ${leg.provider.address}`);
          },
        },
        onEvent: (e) => {
          events.push(e);
          // The agents of two providers accept what is opened with them; the silent one does not.
          const p = e.type === "opened" ? byAddress.get(e.provider.address.toLowerCase()) : undefined;
          if (e.type === "opened" && p) {
            accepting.push(p.client.acceptSession({ sessionId: e.opened.sessionId, tunnelAddress: "10.77.0.2/16" }));
          }
        },
      });
      const end = await connection.run(controller.signal);
      await Promise.all(accepting);

      assert.equal(end.reason, "stopped");
      assert.deepEqual(
        end.legs.map((l) => [l.provider, l.reason, l.outcome.kind]),
        [
          [silent.address, "not-accepted", "cancelled"],
          [dying.address, "unreachable", "client-closed"],
          [healthy.address, "stopped", "client-closed"],
        ] as [Address, string, string][],
      );
      const [withdrawn, left, last] = end.legs;
      // The silent provider's session: withdrawn long before its accept deadline, the whole deposit back.
      assert.equal(withdrawn!.outcome.kind === "cancelled" && withdrawn!.outcome.refund, USD(2));
      const w = await client.getSession({ sessionId: withdrawn!.sessionId });
      assert.equal(w.status, "Closed");
      assert.ok(w.deadline === 0);
      const late = await silent.client
        .acceptSession({ sessionId: withdrawn!.sessionId, tunnelAddress: "10.77.0.3/16" })
        .catch((e: unknown) => e);
      assert.ok(
        late instanceof ContractRevertError && late.errorName === "EscrowInvalidStatus",
        "a late accept reverts",
      );
      // The dead provider: left after the grace, its session closed by the client; it may claim at most its best voucher.
      assert.ok(events.some((e) => e.type === "session" && e.event.type === "health" && !e.event.healthy));
      const best = delivered.get(left!.sessionId)!.at(-1)!;
      assert.deepEqual(left!.end!.delivered, { bytes: best.bytes, seconds: best.seconds });
      const s = await client.getSession({ sessionId: left!.sessionId });
      assert.equal(s.status, "Closing");
      assert.equal(left!.outcome.kind === "client-closed" && left!.outcome.owedAtMost, priceUsage(s, best));
      // The next provider was picked under the same cap, excluding the failed ones, and paid until the stop.
      assert.ok(delivered.get(last!.sessionId)!.length >= 5);
      assert.deepEqual(driver, [
        `up ${dying.address} after none`,
        `down ${dying.address}`,
        `up ${healthy.address} after ${dying.address}`,
        `down ${healthy.address}`,
      ]);
      assert.equal((await client.getSession({ sessionId: last!.sessionId })).status, "Closing");
    },
  );

  it(
    "Ctrl-C while waiting for the accept withdraws the session and reports its refund",
    { timeout: 60_000 },
    async () => {
      const client = f.clientFor(6);
      await f.fund(client.account!.address);
      const controller = new AbortController();
      const connection = createVpnConnection(client, {
        choice: { provider: silent.address },
        deposit: USD(1),
        acceptPollMs: 100,
        tunnel: {
          up: async () => assert.fail("never accepted, never up"),
          down: async () => undefined,
        },
        onEvent: (e) => {
          if (e.type === "waiting" && e.elapsedMs >= 300) controller.abort();
        },
      });
      const end = await connection.run(controller.signal);
      assert.equal(end.reason, "stopped");
      assert.equal(end.legs.length, 1);
      const [leg] = end.legs;
      assert.equal(leg!.reason, "not-accepted");
      assert.equal(leg!.outcome.kind === "cancelled" && leg!.outcome.refund, USD(1));
      assert.equal((await client.getSession({ sessionId: leg!.sessionId })).status, "Closed");
    },
  );
});
