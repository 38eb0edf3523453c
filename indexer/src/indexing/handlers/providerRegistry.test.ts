import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getAddress } from "viem";
import { chainEvent } from "../../testing/events.ts";
import { createFakeStore } from "../../testing/fakeStore.ts";
import { applyEvent, type Params } from "../handlers.ts";
import type { ChainEvent } from "../decodeLogs.ts";
import { HOUR, hourOf } from "../reputation.ts";

const PROVIDER = getAddress(`0x${"b4".repeat(20)}`);
const BENEFICIARY = getAddress(`0x${"e5".repeat(20)}`);
const KEY = `0x${"22".repeat(32)}` as const;
const HOUR0 = 1_800_000_000 - (1_800_000_000 % HOUR);

function setup() {
  const store = createFakeStore();
  const params: Params = new Map([["heartbeatTimeout", 900n]]);
  return { store, apply: (e: ChainEvent) => applyEvent(store, params, e) };
}

const registered = (timestamp: number) =>
  chainEvent(
    "registry",
    "ProviderRegistered",
    {
      provider: PROVIDER,
      endpoint: "198.51.100.7:51820",
      wgPublicKey: KEY,
      region: "0x4652",
      pricePerGiB: 2000n,
      pricePerMinute: 20n,
      maxSessions: 1,
      stake: 10_000n,
    },
    { timestamp, block: 7 },
  );

describe("ProviderRegistry handlers", () => {
  test("ProviderRegistered writes the provider and counts as a heartbeat covering the timeout", () => {
    const { store, apply } = setup();
    const t = HOUR0 + HOUR - 300; // coverage runs 600 s into the next hour
    const event = registered(t);
    apply(event);
    const p = store.rows.providers.get(PROVIDER)!;
    assert.deepEqual(
      [p.endpoint, p.wgPublicKey, p.region, p.pricePerGiB, p.pricePerMinute, p.maxSessions, p.stake],
      ["198.51.100.7:51820", KEY, "FR", 2000n, 20n, 1, 10_000n],
    );
    assert.deepEqual(
      [
        p.registered,
        p.paused,
        p.hasCapacity,
        p.registeredAt,
        p.registeredBlock,
        p.lastHeartbeat,
        p.heartbeatCount,
        p.coveredUntil,
      ],
      [true, false, true, t, 7, t, 1, t + 900],
    );
    assert.deepEqual(store.appended.heartbeats, [
      { blockNumber: 7, logIndex: event.logIndex, timestamp: t, provider: PROVIDER },
    ]);
    assert.deepEqual(store.bucket("provider_hours", { provider: PROVIDER, hour: HOUR0 }), {
      coveredSeconds: 300,
      heartbeats: 1,
    });
    assert.deepEqual(store.bucket("provider_hours", { provider: PROVIDER, hour: HOUR0 + HOUR }), {
      coveredSeconds: 600,
    });
  });

  test("a heartbeat covers only what the previous one did not", () => {
    const { store, apply } = setup();
    apply(registered(HOUR0));
    apply(
      chainEvent("registry", "Heartbeat", { provider: PROVIDER, timestamp: HOUR0 + 300 }, { timestamp: HOUR0 + 301 }),
    );
    const p = store.rows.providers.get(PROVIDER)!;
    assert.deepEqual([p.lastHeartbeat, p.heartbeatCount, p.coveredUntil], [HOUR0 + 300, 2, HOUR0 + 1200]);
    assert.deepEqual(store.bucket("provider_hours", { provider: PROVIDER, hour: hourOf(HOUR0) }), {
      coveredSeconds: 1200,
      heartbeats: 2,
    });
  });

  test("stake: unstake moves stake to unbonding, withdraw clears it, a slash is recorded", () => {
    const { store, apply } = setup();
    apply(registered(HOUR0));
    apply(
      chainEvent(
        "registry",
        "StakeAdded",
        { provider: PROVIDER, amount: 5000n, stake: 15_000n },
        { timestamp: HOUR0 + 1 },
      ),
    );
    apply(
      chainEvent(
        "registry",
        "UnstakeRequested",
        { provider: PROVIDER, amount: 4000n, unbonding: 4000n, releaseTime: HOUR0 + 86_400 },
        { timestamp: HOUR0 + 2 },
      ),
    );
    const p = store.rows.providers.get(PROVIDER)!;
    assert.deepEqual([p.stake, p.unbonding, p.unbondingEnd], [11_000n, 4000n, HOUR0 + 86_400]);
    apply(
      chainEvent(
        "registry",
        "ProviderSlashed",
        { provider: PROVIDER, amount: 1500n, beneficiary: BENEFICIARY, stake: 10_000n, unbonding: 3500n },
        { timestamp: HOUR0 + 3, block: 9 },
      ),
    );
    assert.deepEqual(
      [p.stake, p.unbonding, p.slashCount, p.slashedAmount, p.updatedBlock],
      [10_000n, 3500n, 1, 1500n, 9],
    );
    assert.deepEqual(
      store.appended.slashes.map((s) => [
        s.blockNumber,
        s.timestamp,
        s.provider,
        s.amount,
        s.beneficiary,
        s.stakeAfter,
      ]),
      [[9, HOUR0 + 3, PROVIDER, 1500n, BENEFICIARY, 10_000n]],
    );
    apply(chainEvent("registry", "StakeWithdrawn", { provider: PROVIDER, amount: 3500n }, { timestamp: HOUR0 + 4 }));
    assert.deepEqual([p.unbonding, p.unbondingEnd], [0n, 0]);
  });

  test("active sessions, pause, update, prices, exit policy and deregistration", () => {
    const { store, apply } = setup();
    apply(registered(HOUR0));
    const p = store.rows.providers.get(PROVIDER)!;
    apply(
      chainEvent(
        "registry",
        "ActiveSessionsChanged",
        { provider: PROVIDER, activeSessions: 1 },
        { timestamp: HOUR0 + 1 },
      ),
    );
    assert.deepEqual([p.activeSessions, p.hasCapacity], [1, false]);
    apply(
      chainEvent(
        "registry",
        "ProviderUpdated",
        { provider: PROVIDER, endpoint: "[2001:db8::1]:51820", wgPublicKey: KEY, region: "0x4445", maxSessions: 3 },
        { timestamp: HOUR0 + 2 },
      ),
    );
    assert.deepEqual([p.endpoint, p.region, p.maxSessions, p.hasCapacity], ["[2001:db8::1]:51820", "DE", 3, true]);
    apply(
      chainEvent(
        "registry",
        "PricesUpdated",
        { provider: PROVIDER, pricePerGiB: 1n, pricePerMinute: 2n },
        { timestamp: HOUR0 + 3 },
      ),
    );
    assert.deepEqual([p.pricePerGiB, p.pricePerMinute], [1n, 2n]);
    apply(
      chainEvent(
        "registry",
        "ExitPolicyUpdated",
        { provider: PROVIDER, policy: "deny-ports=25,465-587" },
        { timestamp: HOUR0 + 4 },
      ),
    );
    assert.deepEqual(
      [p.exitPolicy, p.exitDenyPorts, p.exitAllowPorts],
      [
        "deny-ports=25,465-587",
        [
          [25, 25],
          [465, 587],
        ],
        [],
      ],
    );
    apply(chainEvent("registry", "ProviderPaused", { provider: PROVIDER }, { timestamp: HOUR0 + 5 }));
    assert.equal(p.paused, true);
    apply(chainEvent("registry", "ProviderUnpaused", { provider: PROVIDER }, { timestamp: HOUR0 + 6 }));
    assert.equal(p.paused, false);
    apply(chainEvent("registry", "ProviderPaused", { provider: PROVIDER }, { timestamp: HOUR0 + 7 }));
    apply(chainEvent("registry", "ProviderDeregistered", { provider: PROVIDER }, { timestamp: HOUR0 + 8, block: 12 }));
    assert.deepEqual([p.registered, p.paused, p.updatedBlock], [false, false, 12]);
  });

  test("a re-registration keeps the history and the first registration time", () => {
    const { store, apply } = setup();
    apply(registered(HOUR0));
    apply(chainEvent("registry", "ProviderDeregistered", { provider: PROVIDER }, { timestamp: HOUR0 + 10 }));
    apply(registered(HOUR0 + 5000));
    const p = store.rows.providers.get(PROVIDER)!;
    assert.deepEqual([p.registered, p.registeredAt, p.heartbeatCount], [true, HOUR0, 2]);
  });
});
