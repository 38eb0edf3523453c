/**
 * Two hops on the in-process chain, with a test driver in place of wg-quick and simulated agents:
 * an exit whose agent hands out the entry's gateway (both on one pool) is left with its session
 * closed and nothing used, and the next exit is paid; with no exit left the run ends saying why.
 * The exit's session is opened only once the entry's tunnel is up, and never when no entry comes up.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Address } from "viem";
import { USD, sdkFixture, type SdkFixture } from "../../test/fixture.ts";
import { scriptedTwoHopDriver } from "../../../test/kit/twoHopDriver.ts";
import { createTwoHopConnection, type TwoHopEvent } from "./createTwoHopConnection.ts";
import { parseTunnelAddress } from "../wireguard/config.ts";
import { tunnelConflict } from "./tunnelConflict.ts";

describe("createTwoHopConnection", () => {
  let f: SdkFixture;
  type P = Awaited<ReturnType<SdkFixture["registerProviderAccount"]>>;
  let entry: P; // DE, pool 10.77.0.0/16
  let clashing: P; // NL, cheapest, also on 10.77.0.0/16
  let distinct: P; // NL, on 10.90.0.0/16
  const tunnelOf = new Map<string, string>();
  before(async () => {
    f = await sdkFixture();
    entry = await f.registerProviderAccount(1, { pricePerGiB: 1_000n, pricePerMinute: 60n, region: "DE" });
    clashing = await f.registerProviderAccount(2, { pricePerGiB: 1_000n, pricePerMinute: 60n, region: "NL" });
    distinct = await f.registerProviderAccount(3, { pricePerGiB: 2_000n, pricePerMinute: 60n, region: "NL" });
    tunnelOf.set(entry.address, "10.77.0.2/16,fd77:dead:beef::2/64");
    tunnelOf.set(clashing.address, "10.77.0.2/16,fd77:dead:beef::2/64");
    tunnelOf.set(distinct.address, "10.90.0.2/16,fd90:dead:beef::2/64");
  });
  after(async () => {
    await f.connection.close();
  });

  /** Accepts every session opened with a simulated agent, with that agent's tunnel address. */
  const accepting = (pending: Promise<unknown>[]) => (e: TwoHopEvent) => {
    if (e.type !== "hop" || e.event.type !== "opened") return;
    const p = [entry, clashing, distinct].find(
      (x) => x.address === (e.event as { provider: { address: Address } }).provider.address,
    );
    if (!p) return;
    const sessionId = e.event.opened.sessionId;
    pending.push(p.client.acceptSession({ sessionId, tunnelAddress: tunnelOf.get(p.address)! }));
  };

  const options = { deposit: USD(1), acceptTimeoutMs: 5_000, acceptPollMs: 100 };
  const session = { unreachableAfterMs: 5_000, tickMs: 20, probeIntervalMs: 200, chainCheckMs: 300 };

  it(
    "leaves an exit on the entry's gateway (session closed, nothing used) and pays the next exit",
    { timeout: 120_000 },
    async () => {
      assert.match(
        tunnelConflict(
          parseTunnelAddress(tunnelOf.get(clashing.address)!),
          parseTunnelAddress(tunnelOf.get(entry.address)!),
        )!,
        /gateway 10\.77\.0\.1/,
      );
      const client = f.clientFor(5);
      await f.fund(client.account!.address);
      const stop = new AbortController();
      const { driver, calls } = scriptedTwoHopDriver(stop, 3);
      const pending: Promise<unknown>[] = [];
      const events: TwoHopEvent[] = [];
      const conn = createTwoHopConnection(client, {
        entry: { maxPricePerGiB: 5_000n },
        exit: { region: "NL", maxPricePerGiB: 5_000n },
        ...options,
        session,
        tunnel: driver,
        onEvent: (e) => (events.push(e), accepting(pending)(e)),
      });
      const end = await conn.run(stop.signal);
      await Promise.all(pending);
      assert.equal(end.reason, "stopped");
      assert.deepEqual(end.pair.exit.address, clashing.address, "the cheapest exit is planned first");
      assert.deepEqual(
        end.exit.legs.map((l) => [l.provider, l.reason, l.outcome.kind]),
        [
          [clashing.address, "tunnel-conflict", "client-closed"],
          [distinct.address, "stopped", "client-closed"],
        ] as [Address, string, string][],
      );
      const [left] = end.exit.legs;
      assert.match(left!.detail!, /tunnel gateway 10\.77\.0\.1 is also the other hop's/);
      assert.equal(left!.outcome.kind === "client-closed" && left!.outcome.owedAtMost, 0n);
      // Closed on chain with nothing signed: the provider can claim nothing.
      const closed = await client.getSession({ sessionId: left!.sessionId });
      assert.equal(closed.status, "Closing");
      assert.deepEqual(
        end.entry.legs.map((l) => [l.provider, l.reason]),
        [[entry.address, "stopped"]],
      );
      // The clashing exit never got a tunnel (only the clean-up after a failed start); the entry stayed up.
      assert.deepEqual(
        calls.filter((c) => c.startsWith("up ")),
        [`up entry ${entry.address}`, `up exit ${distinct.address}`],
      );
      assert.ok(!calls.includes(`up exit ${clashing.address}`));
      assert.ok(
        events.some((e) => e.type === "hop" && e.hop === "exit" && e.event.type === "left" && e.event.failover),
        "the clash is reported as a failover",
      );
    },
  );

  it("ends with tunnel-conflict when the only exit clashes, its session closed", { timeout: 120_000 }, async () => {
    const client = f.clientFor(6);
    await f.fund(client.account!.address);
    const stop = new AbortController();
    const { driver, calls } = scriptedTwoHopDriver(stop, 3);
    const pending: Promise<unknown>[] = [];
    const events: TwoHopEvent[] = [];
    const conn = createTwoHopConnection(client, {
      entry: { provider: entry.address },
      exit: { provider: clashing.address },
      ...options,
      session,
      tunnel: driver,
      onEvent: (e) => (events.push(e), accepting(pending)(e)),
    });
    const end = await conn.run(stop.signal);
    await Promise.all(pending);
    assert.equal(end.reason, "tunnel-conflict");
    assert.equal(end.endedBy, "exit");
    assert.deepEqual(
      end.exit.legs.map((l) => [l.provider, l.reason]),
      [[clashing.address, "tunnel-conflict"]],
    );
    assert.ok(events.some((e) => e.type === "hop" && e.hop === "exit" && e.event.type === "no-provider"));
    assert.equal((await client.getSession({ sessionId: end.exit.legs[0]!.sessionId })).status, "Closing");
    // The entry went down after the exit gave up, its session settled too.
    assert.equal(end.entry.legs.length, 1);
    assert.ok(calls.includes(`down entry ${entry.address}`));
    assert.ok(!calls.some((c) => c.startsWith("up exit")));
  });

  it("opens the exit's session only once the entry's tunnel is up", { timeout: 120_000 }, async () => {
    const client = f.clientFor(7);
    await f.fund(client.account!.address);
    const stop = new AbortController();
    const { driver } = scriptedTwoHopDriver(stop, 3);
    const pending: Promise<unknown>[] = [];
    const order: string[] = [];
    const accept = accepting(pending);
    const conn = createTwoHopConnection(client, {
      entry: { provider: entry.address },
      exit: { provider: distinct.address },
      ...options,
      session,
      tunnel: driver,
      onEvent: (e) => {
        if (e.type !== "hop" || (e.event.type !== "opened" && e.event.type !== "up")) return;
        order.push(`${e.hop} ${e.event.type}`);
        // The entry's agent takes its time: an exit opened beside it would be waiting (and billed).
        if (e.hop === "entry") setTimeout(() => accept(e), 1_500);
        else accept(e);
      },
    });
    const end = await conn.run(stop.signal);
    await Promise.all(pending);
    assert.equal(end.reason, "stopped");
    assert.deepEqual(order, ["entry opened", "entry up", "exit opened", "exit up"]);
  });

  it("opens nothing when stopped before the run", { timeout: 120_000 }, async () => {
    const client = f.clientFor(9);
    await f.fund(client.account!.address);
    const stop = new AbortController();
    const { driver, calls } = scriptedTwoHopDriver(stop, 3);
    const opened: string[] = [];
    const conn = createTwoHopConnection(client, {
      entry: { provider: entry.address },
      exit: { provider: distinct.address },
      ...options,
      session,
      tunnel: driver,
      onEvent: (e) => void (e.type === "hop" && e.event.type === "opened" && opened.push(e.hop)),
    });
    // Ctrl-C during the pick (before any session is opened).
    stop.abort();
    const end = await conn.run(stop.signal);
    assert.equal(end.reason, "stopped");
    assert.deepEqual(opened, []);
    assert.deepEqual([end.entry.legs, end.exit.legs], [[], []]);
    assert.deepEqual(calls, []);
  });

  it("opens no exit session when no entry comes up", { timeout: 120_000 }, async () => {
    const client = f.clientFor(8);
    await f.fund(client.account!.address);
    const stop = new AbortController();
    const { driver, calls } = scriptedTwoHopDriver(stop, 3);
    const opened: string[] = [];
    const conn = createTwoHopConnection(client, {
      entry: { provider: entry.address },
      exit: { provider: distinct.address },
      ...options,
      acceptTimeoutMs: 1_000,
      session,
      tunnel: driver,
      // No agent accepts: the entry's session is withdrawn, and no other entry qualifies.
      onEvent: (e) => void (e.type === "hop" && e.event.type === "opened" && opened.push(e.hop)),
    });
    const end = await conn.run(stop.signal);
    assert.equal(end.endedBy, "entry");
    assert.equal(end.reason, "not-accepted");
    assert.deepEqual(opened, ["entry"]);
    assert.deepEqual(end.exit.legs, []);
    assert.deepEqual(
      end.entry.legs.map((l) => [l.provider, l.reason, l.outcome.kind]),
      [[entry.address, "not-accepted", "cancelled"]],
    );
    assert.deepEqual(calls, []);
  });
});
