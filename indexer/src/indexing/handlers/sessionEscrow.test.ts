import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getAddress } from "viem";
import { chainEvent } from "../../testing/events.ts";
import { createFakeStore, type FakeStore } from "../../testing/fakeStore.ts";
import { applyEvent, type Params } from "../handlers.ts";
import type { ChainEvent } from "../decodeLogs.ts";
import { histogramIndex, hourOf } from "../reputation.ts";

const PROVIDER = getAddress(`0x${"a1".repeat(20)}`);
const CLIENT = getAddress(`0x${"c2".repeat(20)}`);
const SIGNER = getAddress(`0x${"d3".repeat(20)}`);
const KEY = `0x${"11".repeat(32)}` as const;
const T0 = 1_800_000_000; // an hour boundary plus 800 s

function setup(): { store: FakeStore; apply: (e: ChainEvent) => void } {
  const store = createFakeStore();
  const params: Params = new Map([["heartbeatTimeout", 900n]]);
  const apply = (e: ChainEvent) => applyEvent(store, params, e);
  apply(
    chainEvent(
      "registry",
      "ProviderRegistered",
      {
        provider: PROVIDER,
        endpoint: "203.0.113.5:51820",
        wgPublicKey: KEY,
        region: "0x4445",
        pricePerGiB: 1000n,
        pricePerMinute: 10n,
        maxSessions: 2,
        stake: 5_000n,
      },
      { timestamp: T0 - 100 },
    ),
  );
  return { store, apply };
}

const open = (id: bigint, timestamp: number) =>
  chainEvent(
    "escrow",
    "SessionOpened",
    {
      sessionId: id,
      provider: PROVIDER,
      client: CLIENT,
      wgPublicKey: KEY,
      signer: SIGNER,
      deposit: 1_000_000n,
      pricePerGiB: 1000n,
      pricePerMinute: 10n,
      feeBps: 100,
      acceptDeadline: timestamp + 300,
    },
    { timestamp, block: 2 },
  );

const claim = (id: bigint, totalBytes: bigint, totalPaid: bigint, amount: bigint, timestamp: number) =>
  chainEvent(
    "escrow",
    "UsageClaimed",
    { sessionId: id, provider: PROVIDER, totalBytes, totalSeconds: 60n, amount, fee: amount / 100n, totalPaid },
    { timestamp, block: 4 },
  );

describe("SessionEscrow handlers", () => {
  test("SessionOpened writes a pending session and counts it for the provider, its hour and its region", () => {
    const { store, apply } = setup();
    apply(open(1n, T0));
    const s = store.rows.sessions.get("1");
    assert.deepEqual(
      { ...s },
      {
        id: 1n,
        provider: PROVIDER,
        client: CLIENT,
        signer: SIGNER,
        wgPublicKey: KEY,
        status: "Pending",
        outcome: null,
        deposit: 1_000_000n,
        pricePerGiB: 1000n,
        pricePerMinute: 10n,
        feeBps: 100,
        acceptDeadline: T0 + 300,
        openedAt: T0,
        openedBlock: 2,
        acceptedAt: null,
        tunnelAddress: null,
        closedAt: null,
        closedBy: null,
        settlementDeadline: null,
        settledAt: null,
        claimedBytes: 0n,
        claimedSeconds: 0n,
        paid: 0n,
        fees: 0n,
        refund: null,
        claimCount: 0,
        updatedAt: T0,
        updatedBlock: 2,
      },
    );
    assert.equal(store.rows.providers.get(PROVIDER)?.sessionsOpened, 1);
    assert.equal(store.rows.providers.get(PROVIDER)?.updatedBlock, 2);
    assert.deepEqual(store.bucket("region_hours", { region: "DE", hour: hourOf(T0) }), { sessionsOpened: 1 });
    assert.equal(store.bucket("provider_hours", { provider: PROVIDER, hour: hourOf(T0) }).sessionsOpened, 1);
  });

  test("claims: the first paid claim counts the whole session, later ones the increase", () => {
    const { store, apply } = setup();
    apply(open(1n, T0));
    apply(
      chainEvent(
        "escrow",
        "SessionAccepted",
        { sessionId: 1n, provider: PROVIDER, tunnelAddress: "10.64.0.2" },
        { timestamp: T0 + 7 },
      ),
    );
    apply(claim(1n, 4000n, 500n, 500n, T0 + 60));
    apply(claim(1n, 10_000n, 800n, 300n, T0 + 120));
    const s = store.rows.sessions.get("1")!;
    assert.deepEqual(
      [s.status, s.acceptedAt, s.tunnelAddress, s.claimedBytes, s.paid, s.fees, s.claimCount],
      ["Active", T0 + 7, "10.64.0.2", 10_000n, 800n, 8n, 2],
    );
    const p = store.rows.providers.get(PROVIDER)!;
    assert.deepEqual(
      [
        p.sessionsAccepted,
        p.sessionsPaid,
        p.sessionsAcceptedPaid,
        p.bytesServed,
        p.secondsServed,
        p.paidVolume,
        p.feesPaid,
      ],
      [1, 1, 1, 10_000n, 60n, 800n, 8n],
    );
    assert.deepEqual(p.acceptHistogram, { [String(histogramIndex(7))]: 1 });
    assert.deepEqual(
      store.appended.claims.map((c) => [c.sessionId, c.totalBytes, c.amount, c.fee, c.totalPaid, c.provider]),
      [
        [1n, 4000n, 500n, 5n, 500n, PROVIDER],
        [1n, 10_000n, 300n, 3n, 800n, PROVIDER],
      ],
    );
    assert.deepEqual(store.bucket("region_hours", { region: "DE", hour: hourOf(T0) }), {
      sessionsOpened: 1,
      bytes: 10_000n,
      volume: 800n,
      claims: 2,
    });
  });

  test("first close wins: the provider settling a session the client closed is not the closer", () => {
    const { store, apply } = setup();
    apply(open(1n, T0));
    apply(
      chainEvent(
        "escrow",
        "SessionAccepted",
        { sessionId: 1n, provider: PROVIDER, tunnelAddress: "10.64.0.2" },
        { timestamp: T0 + 5 },
      ),
    );
    // The client closes: the settlement window opens.
    apply(
      chainEvent(
        "escrow",
        "SessionClosed",
        { sessionId: 1n, provider: PROVIDER, closedBy: CLIENT, settlementDeadline: T0 + 3700 },
        { timestamp: T0 + 100, block: 5 },
      ),
    );
    let s = store.rows.sessions.get("1")!;
    assert.deepEqual(
      [s.status, s.closedAt, s.closedBy, s.settlementDeadline],
      ["Closing", T0 + 100, CLIENT, T0 + 3700],
    );
    // The agent answers with closeWithVoucher: its claim, its close, the settlement.
    apply(claim(1n, 2000n, 400n, 400n, T0 + 160));
    apply(
      chainEvent(
        "escrow",
        "SessionClosed",
        { sessionId: 1n, provider: PROVIDER, closedBy: PROVIDER, settlementDeadline: 0 },
        { timestamp: T0 + 160, block: 6 },
      ),
    );
    apply(
      chainEvent(
        "escrow",
        "SessionSettled",
        { sessionId: 1n, provider: PROVIDER, paid: 400n, refund: 999_600n },
        { timestamp: T0 + 160, block: 6 },
      ),
    );
    s = store.rows.sessions.get("1")!;
    assert.deepEqual(
      [s.status, s.outcome, s.closedAt, s.closedBy, s.settledAt, s.refund, s.updatedBlock],
      ["Closed", "Settled", T0 + 100, CLIENT, T0 + 160, 999_600n, 6],
    );
    assert.equal(store.rows.providers.get(PROVIDER)?.sessionsCompleted, 1);
    assert.equal(store.bucket("region_hours", { region: "DE", hour: hourOf(T0) }).sessionsSettled, 1);
  });

  test("a session closed once by the provider records the provider and its close time", () => {
    const { store, apply } = setup();
    apply(open(1n, T0));
    apply(
      chainEvent(
        "escrow",
        "SessionClosed",
        { sessionId: 1n, provider: PROVIDER, closedBy: PROVIDER, settlementDeadline: 0 },
        { timestamp: T0 + 50 },
      ),
    );
    apply(
      chainEvent(
        "escrow",
        "SessionSettled",
        { sessionId: 1n, provider: PROVIDER, paid: 0n, refund: 1_000_000n },
        { timestamp: T0 + 50 },
      ),
    );
    const s = store.rows.sessions.get("1")!;
    assert.deepEqual(
      [s.status, s.closedAt, s.closedBy, s.settlementDeadline, s.settledAt],
      ["Closed", T0 + 50, PROVIDER, null, T0 + 50],
    );
    assert.equal(
      store.rows.providers.get(PROVIDER)?.sessionsCompleted,
      0,
      "an unpaid settlement is not a completed session",
    );
  });

  test("a rejected session is closed by the provider, refunded, and not a missed acceptance", () => {
    const { store, apply } = setup();
    apply(open(1n, T0));
    apply(
      chainEvent(
        "escrow",
        "SessionRejected",
        { sessionId: 1n, provider: PROVIDER, reason: `0x${"00".repeat(32)}`, refund: 1_000_000n },
        { timestamp: T0 + 40 },
      ),
    );
    const s = store.rows.sessions.get("1")!;
    assert.deepEqual(
      [s.status, s.outcome, s.closedBy, s.closedAt, s.settledAt, s.refund],
      ["Closed", "Rejected", PROVIDER, T0 + 40, T0 + 40, 1_000_000n],
    );
    assert.equal(store.rows.providers.get(PROVIDER)?.sessionsMissed, 0);
  });

  test("a cancel counts as a missed acceptance only 30 s or more after the open", () => {
    const { store, apply } = setup();
    apply(open(1n, T0));
    apply(open(2n, T0));
    apply(
      chainEvent(
        "escrow",
        "SessionCancelled",
        { sessionId: 1n, provider: PROVIDER, refund: 1_000_000n },
        { timestamp: T0 + 29 },
      ),
    );
    assert.equal(store.rows.providers.get(PROVIDER)?.sessionsMissed, 0);
    apply(
      chainEvent(
        "escrow",
        "SessionCancelled",
        { sessionId: 2n, provider: PROVIDER, refund: 1_000_000n },
        { timestamp: T0 + 30 },
      ),
    );
    assert.equal(store.rows.providers.get(PROVIDER)?.sessionsMissed, 1);
    const s = store.rows.sessions.get("2")!;
    assert.deepEqual(
      [s.status, s.outcome, s.closedAt, s.settledAt, s.closedBy],
      ["Closed", "Cancelled", T0 + 30, T0 + 30, null],
    );
  });

  test("an event of a session the index does not hold is an error, not a silent skip", () => {
    const { apply } = setup();
    assert.throws(
      () =>
        apply(
          chainEvent(
            "escrow",
            "SessionAccepted",
            { sessionId: 9n, provider: PROVIDER, tunnelAddress: "x" },
            { timestamp: T0 },
          ),
        ),
      /SessionAccepted for unknown session 9/,
    );
  });

  test("ParameterUpdated sets the parameter row and the range's value", () => {
    const store = createFakeStore();
    const params: Params = new Map();
    const name = `0x${Buffer.from("protocolFeeBps").toString("hex").padEnd(64, "0")}` as const;
    applyEvent(
      store,
      params,
      chainEvent("escrow", "ParameterUpdated", { name, oldValue: 100n, newValue: 250n }, { timestamp: T0, block: 3 }),
    );
    assert.equal(params.get("protocolFeeBps"), 250n);
    assert.deepEqual(
      { ...store.rows.parameters.get("protocolFeeBps") },
      { id: "protocolFeeBps", contract: "SessionEscrow", value: 250n, updatedAt: T0, updatedBlock: 3 },
    );
  });
});
