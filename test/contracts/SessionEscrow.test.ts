import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToHex, toHex, zeroAddress, type Hex, type TransactionReceipt } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { loadFixture, type Fixture, type Wallet } from "./fixture.ts";
import {
  CLIENT_WG_KEY,
  MAX_UINT96,
  PRICE_PER_GIB,
  PRICE_PER_MINUTE,
  USD,
  activeSession,
  assertEvent,
  assertRevert,
  openSession,
  registerProvider,
  itSetsBoundedParameters,
  signPermit,
  type ParameterSetterCase,
  signVoucher,
} from "./helpers.ts";

const name = (n: string): Hex => stringToHex(n, { size: 32 });
const GIB = 1n << 30n;
const FEE_BPS = 250n;
const ACCEPT_TIMEOUT = 300n;
const SETTLEMENT_WINDOW = 3600n;
const PENDING = 1;
const ACTIVE = 2;
const CLOSING = 3;
const CLOSED = 4;
const signerKey = keccak256(stringToHex("session signer"));
const sessionSigner = privateKeyToAccount(signerKey);

async function setup() {
  const f = await loadFixture();
  const [provider, client, stranger] = f.users as [Wallet, Wallet, Wallet];
  await registerProvider(f, provider);
  return { f, provider, client, stranger, p: provider.account.address, c: client.account.address };
}

async function blockTime(f: Fixture, receipt: TransactionReceipt): Promise<bigint> {
  return (await f.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
}

const cost = (bytes: bigint, seconds: bigint) => (bytes * PRICE_PER_GIB) / GIB + (seconds * PRICE_PER_MINUTE) / 60n;

describe("SessionEscrow", () => {
  describe("deployment", () => {
    it("constructor: stores the parameters; reverts on out-of-bounds values and a zero treasury", async () => {
      const { f } = await setup();
      assert.equal(await f.escrow.read.protocolFeeBps(), 250);
      assert.equal(await f.escrow.read.acceptTimeout(), 300);
      assert.equal(await f.escrow.read.settlementWindow(), 3600);
      assert.equal((await f.escrow.read.treasury()).toLowerCase(), f.timelock.address.toLowerCase());
      const args = (fee: bigint, accept: bigint, window: bigint, treasury: Hex = f.timelock.address) =>
        [f.usd.address, f.registry.address, f.timelock.address, treasury, fee, accept, window] as never;
      await assertRevert(
        f.viem.deployContract("SessionEscrow", args(1001n, 300n, 3600n)),
        "EscrowParameterOutOfBounds",
        [name("protocolFeeBps"), 1001n, 0n, 1000n],
      );
      await assertRevert(f.viem.deployContract("SessionEscrow", args(0n, 59n, 3600n)), "EscrowParameterOutOfBounds", [
        name("acceptTimeout"),
        59n,
        60n,
        86_400n,
      ]);
      await assertRevert(f.viem.deployContract("SessionEscrow", args(0n, 300n, 599n)), "EscrowParameterOutOfBounds", [
        name("settlementWindow"),
        599n,
        600n,
        7n * 86_400n,
      ]);
      await assertRevert(
        f.viem.deployContract("SessionEscrow", args(0n, 300n, 3600n, zeroAddress)),
        "EscrowInvalidTreasury",
      );
    });
  });

  describe("openSession", () => {
    it("openSession: escrows the deposit, snapshots prices and fee, and emits SessionOpened", async () => {
      const { f, client, p, c } = await setup();
      const before = await f.usd.read.balanceOf([c]);
      const { sessionId, receipt } = await openSession(f, client, p, {
        signer: sessionSigner.address,
        deposit: USD(7),
      });
      const ts = await blockTime(f, receipt);
      assert.equal(sessionId, 1n);
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionOpened", {
        sessionId: 1n,
        provider: p,
        client: c,
        wgPublicKey: CLIENT_WG_KEY,
        signer: sessionSigner.address,
        deposit: USD(7),
        pricePerGiB: PRICE_PER_GIB,
        pricePerMinute: PRICE_PER_MINUTE,
        feeBps: 250,
        acceptDeadline: Number(ts + ACCEPT_TIMEOUT),
      });
      assert.equal(
        (await f.registry.read.getProvider([p])).activeSessions,
        0,
        "a pending session holds no slot of the provider",
      );
      assert.equal(await f.usd.read.balanceOf([c]), before - USD(7));
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), USD(7));
      assert.equal(await f.escrow.read.sessionCount(), 1n);
      const s = await f.escrow.read.getSession([sessionId]);
      assert.deepEqual(
        [s.client.toLowerCase(), s.provider.toLowerCase(), s.signer, s.status, s.deadline, s.feeBps, s.deposit, s.paid],
        [
          c.toLowerCase(),
          p.toLowerCase(),
          sessionSigner.address,
          PENDING,
          Number(ts + ACCEPT_TIMEOUT),
          250,
          USD(7),
          0n,
        ],
      );
    });

    it("openSession: a zero signer means the client", async () => {
      const { f, client, p, c } = await setup();
      const { sessionId } = await openSession(f, client, p);
      assert.equal((await f.escrow.read.getSession([sessionId])).signer.toLowerCase(), c.toLowerCase());
    });

    it("openSession: reverts EscrowInvalidWgKey, EscrowInvalidDeposit and EscrowPriceAboveMaximum", async () => {
      const { f, client, p } = await setup();
      await assertRevert(openSession(f, client, p, { wgPublicKey: `0x${"00".repeat(32)}` }), "EscrowInvalidWgKey");
      await assertRevert(openSession(f, client, p, { deposit: 0n }), "EscrowInvalidDeposit", [0n]);
      await assertRevert(openSession(f, client, p, { deposit: MAX_UINT96 + 1n }), "EscrowInvalidDeposit", [
        MAX_UINT96 + 1n,
      ]);
      await assertRevert(openSession(f, client, p, { maxPricePerGiB: PRICE_PER_GIB - 1n }), "EscrowPriceAboveMaximum", [
        PRICE_PER_GIB,
        PRICE_PER_GIB - 1n,
      ]);
      await assertRevert(
        openSession(f, client, p, { maxPricePerMinute: PRICE_PER_MINUTE - 1n }),
        "EscrowPriceAboveMaximum",
        [PRICE_PER_MINUTE, PRICE_PER_MINUTE - 1n],
      );
      // Exactly at the maxima is fine.
      await openSession(f, client, p, { maxPricePerGiB: PRICE_PER_GIB, maxPricePerMinute: PRICE_PER_MINUTE });
    });

    it("openSession: reverts RegistryProviderUnavailable for an unregistered provider", async () => {
      const { f, client, stranger } = await setup();
      await assertRevert(openSession(f, client, stranger.account.address), "RegistryProviderUnavailable", [
        stranger.account.address,
      ]);
    });

    it("openSessionWithPermit: opens without a prior approval", async () => {
      const { f, p } = await setup();
      const fresh = f.users[13]!;
      await f.mined(f.usd.write.mint([fresh.account.address, USD(5)]));
      const deadline = (await f.publicClient.getBlock()).timestamp + 3600n;
      const { v, r, s } = await signPermit(
        f,
        fresh,
        { address: f.usd.address, name: "Mock USD" },
        { spender: f.escrow.address, value: USD(5), nonce: 0n, deadline },
      );
      const receipt = await f.mined(
        f
          .as(fresh)
          .escrow.write.openSessionWithPermit([
            p,
            CLIENT_WG_KEY,
            zeroAddress,
            USD(5),
            MAX_UINT96,
            MAX_UINT96,
            deadline,
            v,
            r,
            s,
          ]),
      );
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionOpened", {
        sessionId: 1n,
        provider: p,
        client: fresh.account.address,
        wgPublicKey: CLIENT_WG_KEY,
        signer: fresh.account.address,
        deposit: USD(5),
        pricePerGiB: PRICE_PER_GIB,
        pricePerMinute: PRICE_PER_MINUTE,
        feeBps: 250,
        acceptDeadline: Number((await blockTime(f, receipt)) + ACCEPT_TIMEOUT),
      });
      assert.equal(await f.usd.read.balanceOf([fresh.account.address]), 0n);
    });

    it("openSessionWithPermit: ignores a failing permit when the allowance already suffices", async () => {
      const { f, client, p } = await setup();
      const zero: Hex = `0x${"00".repeat(32)}`;
      await f.mined(
        f
          .as(client)
          .escrow.write.openSessionWithPermit([
            p,
            CLIENT_WG_KEY,
            zeroAddress,
            USD(1),
            MAX_UINT96,
            MAX_UINT96,
            0n,
            27,
            zero,
            zero,
          ]),
      );
      assert.equal((await f.escrow.read.getSession([1n])).status, PENDING);
    });
  });

  describe("acceptSession", () => {
    it("acceptSession: activates the session and emits SessionAccepted with the tunnel address", async () => {
      const { f, provider, client, p } = await setup();
      const { sessionId } = await openSession(f, client, p);
      const receipt = await f.mined(
        f.as(provider).escrow.write.acceptSession([sessionId, "10.64.0.2/32, fd00::2/128"]),
      );
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionAccepted", {
        sessionId,
        provider: p,
        tunnelAddress: "10.64.0.2/32, fd00::2/128",
      });
      const s = await f.escrow.read.getSession([sessionId]);
      assert.deepEqual([s.status, s.deadline], [ACTIVE, 0]);
    });

    it("acceptSession: reverts EscrowUnknownSession, EscrowUnauthorized, EscrowInvalidStatus and EscrowInvalidTunnelAddress", async () => {
      const { f, provider, client, p, c } = await setup();
      await assertRevert(f.as(provider).escrow.write.acceptSession([9n, "10.0.0.2"]), "EscrowUnknownSession", [9n]);
      const { sessionId } = await openSession(f, client, p);
      await assertRevert(f.as(client).escrow.write.acceptSession([sessionId, "10.0.0.2"]), "EscrowUnauthorized", [c]);
      await assertRevert(f.as(provider).escrow.write.acceptSession([sessionId, ""]), "EscrowInvalidTunnelAddress", [
        "",
      ]);
      const long = "a".repeat(97);
      await assertRevert(f.as(provider).escrow.write.acceptSession([sessionId, long]), "EscrowInvalidTunnelAddress", [
        long,
      ]);
      await f.mined(f.as(provider).escrow.write.acceptSession([sessionId, "a".repeat(96)]));
      await assertRevert(f.as(provider).escrow.write.acceptSession([sessionId, "10.0.0.2"]), "EscrowInvalidStatus", [
        sessionId,
        ACTIVE,
      ]);
    });

    it("acceptSession: reverts EscrowAcceptDeadlinePassed after the accept timeout", async () => {
      const { f, provider, client, p } = await setup();
      const { sessionId, receipt } = await openSession(f, client, p);
      const deadline = (await blockTime(f, receipt)) + ACCEPT_TIMEOUT;
      await f.networkHelpers.time.increaseTo(deadline + 1n);
      await assertRevert(
        f.as(provider).escrow.write.acceptSession([sessionId, "10.0.0.2"]),
        "EscrowAcceptDeadlinePassed",
        [sessionId, Number(deadline)],
      );
    });
  });

  describe("cancelSession", () => {
    it("cancelSession: refunds the whole deposit after the timeout and emits SessionCancelled", async () => {
      const { f, client, stranger, p, c } = await setup();
      const before = await f.usd.read.balanceOf([c]);
      const { sessionId, receipt: opened } = await openSession(f, client, p, { deposit: USD(3) });
      const deadline = (await blockTime(f, opened)) + ACCEPT_TIMEOUT;
      await f.networkHelpers.time.setNextBlockTimestamp(deadline);
      await assertRevert(f.as(stranger).escrow.write.cancelSession([sessionId]), "EscrowAcceptDeadlineNotReached", [
        sessionId,
        Number(deadline),
      ]);
      await f.networkHelpers.time.increaseTo(deadline + 1n);
      const receipt = await f.mined(f.as(stranger).escrow.write.cancelSession([sessionId]));
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionCancelled", {
        sessionId,
        provider: p,
        refund: USD(3),
      });
      assert.equal(await f.usd.read.balanceOf([c]), before);
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), await f.escrow.read.accruedFees());
      const s = await f.escrow.read.getSession([sessionId]);
      assert.deepEqual([s.status, s.deadline], [CLOSED, 0]);
      await assertRevert(f.as(client).escrow.write.cancelSession([sessionId]), "EscrowInvalidStatus", [
        sessionId,
        CLOSED,
      ]);
    });

    it("cancelSession: the client withdraws a pending session at once; the provider's racing accept reverts", async () => {
      const { f, provider, client, stranger, p, c } = await setup();
      const before = await f.usd.read.balanceOf([c]);
      const providerBefore = await f.usd.read.balanceOf([p]);
      const { sessionId, receipt: opened } = await openSession(f, client, p, { deposit: USD(4) });
      const deadline = (await blockTime(f, opened)) + ACCEPT_TIMEOUT;
      // Long before the deadline: the provider and strangers may not, the client may.
      await assertRevert(f.as(provider).escrow.write.cancelSession([sessionId]), "EscrowAcceptDeadlineNotReached", [
        sessionId,
        Number(deadline),
      ]);
      await assertRevert(f.as(stranger).escrow.write.cancelSession([sessionId]), "EscrowAcceptDeadlineNotReached", [
        sessionId,
        Number(deadline),
      ]);
      const active = (await f.registry.read.getProvider([p])).activeSessions;
      const receipt = await f.mined(f.as(client).escrow.write.cancelSession([sessionId]));
      assert.ok((await blockTime(f, receipt)) < deadline, "cancelled before the accept deadline");
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionCancelled", {
        sessionId,
        provider: p,
        refund: USD(4),
      });
      assert.equal(await f.usd.read.balanceOf([c]), before, "the whole deposit is back");
      const s = await f.escrow.read.getSession([sessionId]);
      assert.deepEqual([s.status, s.deadline, s.paid], [CLOSED, 0, 0n]);
      // The provider's accept that lost the race reverts by name; it paid only its gas.
      await assertRevert(f.as(provider).escrow.write.acceptSession([sessionId, "10.0.0.2"]), "EscrowInvalidStatus", [
        sessionId,
        CLOSED,
      ]);
      assert.equal((await f.registry.read.getProvider([p])).activeSessions, active, "no slot taken");
      assert.equal(await f.usd.read.balanceOf([p]), providerBefore);
      await assertRevert(f.as(client).escrow.write.cancelSession([sessionId]), "EscrowInvalidStatus", [
        sessionId,
        CLOSED,
      ]);
    });

    it("cancelSession: reverts EscrowInvalidStatus once accepted and EscrowUnknownSession for no session", async () => {
      const { f, provider, client, stranger, p } = await setup();
      const { sessionId } = await openSession(f, client, p);
      await assertRevert(f.as(stranger).escrow.write.cancelSession([sessionId]), "EscrowAcceptDeadlineNotReached", [
        sessionId,
        (await f.escrow.read.getSession([sessionId])).deadline,
      ]);
      await f.mined(f.as(provider).escrow.write.acceptSession([sessionId, "10.0.0.2"]));
      await assertRevert(f.as(client).escrow.write.cancelSession([sessionId]), "EscrowInvalidStatus", [
        sessionId,
        ACTIVE,
      ]);
      await f.networkHelpers.time.increase(ACCEPT_TIMEOUT + 1n);
      await assertRevert(f.as(client).escrow.write.cancelSession([sessionId]), "EscrowInvalidStatus", [
        sessionId,
        ACTIVE,
      ]);
      await assertRevert(f.as(client).escrow.write.cancelSession([77n]), "EscrowUnknownSession", [77n]);
    });

    it("cancelSession: anyone may cancel an expired pending session and the refund still goes to the client", async () => {
      const { f, provider, client, stranger, p, c } = await setup();
      const before = await f.usd.read.balanceOf([c]);
      const { sessionId: first } = await openSession(f, client, p, { deposit: USD(2) });
      const { sessionId: second } = await openSession(f, client, p, { deposit: USD(3) });
      await f.networkHelpers.time.increase(ACCEPT_TIMEOUT + 1n);
      const strangerBefore = await f.usd.read.balanceOf([stranger.account.address]);
      const providerBefore = await f.usd.read.balanceOf([p]);
      const r1 = await f.mined(f.as(stranger).escrow.write.cancelSession([first]));
      assertEvent(sessionEscrowAbi, f.escrow.address, r1, "SessionCancelled", {
        sessionId: first,
        provider: p,
        refund: USD(2),
      });
      const r2 = await f.mined(f.as(provider).escrow.write.cancelSession([second]));
      assertEvent(sessionEscrowAbi, f.escrow.address, r2, "SessionCancelled", {
        sessionId: second,
        provider: p,
        refund: USD(3),
      });
      assert.equal(await f.usd.read.balanceOf([c]), before, "both deposits back with the client");
      assert.equal(await f.usd.read.balanceOf([stranger.account.address]), strangerBefore);
      assert.equal(await f.usd.read.balanceOf([p]), providerBefore);
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), await f.escrow.read.accruedFees());
    });

    it("cancelSession: abandoned pending sessions hold neither the provider's capacity nor its exit", async () => {
      // The squatter of the review: sessions opened and never cancelled filled the provider
      // (maxSessions 2) and stayed, and only paying for cancelSession freed them. A pending
      // session now takes no slot, so nobody has to pay for anything.
      const { f, provider, stranger, p } = await setup();
      await f.mined(
        f.as(provider).registry.write.update(["vpn.example.org:51820", `0x${"11".repeat(32)}`, "0x4445", 2]),
      );
      await openSession(f, stranger, p, { deposit: 1n });
      await openSession(f, stranger, p, { deposit: 1n });
      await openSession(f, stranger, p, { deposit: 1n });
      assert.equal(await f.registry.read.isAvailable([p]), true, "still available with three pending squats");
      await f.networkHelpers.time.increase(ACCEPT_TIMEOUT + 1n);
      await f.mined(f.as(provider).registry.write.heartbeat());
      assert.equal(await f.registry.read.isAvailable([p]), true, "still available after their deadline");
      await f.mined(f.as(provider).registry.write.requestUnstake([10_000n * 10n ** 18n]));
      assert.equal((await f.registry.read.getProvider([p])).registered, false, "the provider could leave");
    });

    it("acceptSession: reverts RegistryAtCapacity beyond maxSessions; rejectSession frees the client at once", async () => {
      const { f, provider, client, stranger, p, c } = await setup();
      await f.mined(
        f.as(provider).registry.write.update(["vpn.example.org:51820", `0x${"11".repeat(32)}`, "0x4445", 1]),
      );
      const a = await openSession(f, stranger, p, { deposit: 1n });
      const b = await openSession(f, client, p, { deposit: USD(2) });
      await f.mined(f.as(provider).escrow.write.acceptSession([a.sessionId, "10.0.0.2"]));
      await assertRevert(f.as(provider).escrow.write.acceptSession([b.sessionId, "10.0.0.3"]), "RegistryAtCapacity", [
        p,
        1,
        1,
      ]);
      const before = await f.usd.read.balanceOf([c]);
      const reason = `0x${Buffer.from("at capacity").toString("hex").padEnd(64, "0")}` as const;
      await assertRevert(f.as(client).escrow.write.rejectSession([b.sessionId, reason]), "EscrowUnauthorized", [c]);
      const receipt = await f.mined(f.as(provider).escrow.write.rejectSession([b.sessionId, reason]));
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionRejected", {
        sessionId: b.sessionId,
        provider: p,
        reason,
        refund: USD(2),
      });
      assert.equal(await f.usd.read.balanceOf([c]), before + USD(2));
      await assertRevert(f.as(provider).escrow.write.rejectSession([a.sessionId, reason]), "EscrowInvalidStatus", [
        a.sessionId,
        ACTIVE,
      ]);
    });
  });

  describe("claim", () => {
    it("claim: pays the increase minus its share of the session's fee, which accrues at settlement; emits UsageClaimed", async () => {
      const { f, provider, client, p } = await setup();
      const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address });
      const providerBefore = await f.usd.read.balanceOf([p]);
      const sig = await signVoucher(f, sessionSigner, sessionId, GIB, 60n);
      const receipt = await f.mined(f.as(provider).escrow.write.claim([sessionId, GIB, 60n, sig]));
      const amount = cost(GIB, 60n);
      assert.equal(amount, 510_000n);
      const fee = (amount * FEE_BPS) / 10_000n;
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "UsageClaimed", {
        sessionId,
        provider: p,
        totalBytes: GIB,
        totalSeconds: 60n,
        amount,
        fee,
        totalPaid: amount,
      });
      assert.equal(await f.usd.read.balanceOf([p]), providerBefore + amount - fee);
      assert.equal(await f.escrow.read.accruedFees(), 0n, "the fee stays in the session until it settles");
      assert.equal(await f.usd.read.balanceOf([f.timelock.address]), 0n);
      // A second claim pays only the increase.
      const sig2 = await signVoucher(f, sessionSigner, sessionId, 3n * GIB, 120n);
      const r2 = await f.mined(f.as(provider).escrow.write.claim([sessionId, 3n * GIB, 120n, sig2]));
      const total = cost(3n * GIB, 120n);
      assertEvent(sessionEscrowAbi, f.escrow.address, r2, "UsageClaimed", {
        sessionId,
        provider: p,
        totalBytes: 3n * GIB,
        totalSeconds: 120n,
        amount: total - amount,
        // The fee is rounded once, on the session's total: each claim takes the increase.
        fee: (total * FEE_BPS) / 10_000n - fee,
        totalPaid: total,
      });
      const s = await f.escrow.read.getSession([sessionId]);
      assert.deepEqual([s.claimedBytes, s.claimedSeconds, s.paid], [3n * GIB, 120n, total]);
      const fees = (total * FEE_BPS) / 10_000n;
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), USD(10) - total + fees);
      await assertRevert(f.as(client).escrow.write.sweepFees(), "EscrowNothingToWithdraw", [f.timelock.address]);
      // Settling accrues the session's fee (the provider closes: settled at once).
      await f.mined(f.as(provider).escrow.write.closeSession([sessionId]));
      assert.equal(await f.escrow.read.accruedFees(), fees);
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), fees);
      // Anyone sweeps the accrued fees to the treasury.
      const sweep = await f.mined(f.as(client).escrow.write.sweepFees());
      assertEvent(sessionEscrowAbi, f.escrow.address, sweep, "FeesSwept", {
        treasury: f.timelock.address,
        amount: fees,
      });
      assert.equal(await f.usd.read.balanceOf([f.timelock.address]), fees);
      assert.equal(await f.escrow.read.accruedFees(), 0n);
      await assertRevert(f.as(client).escrow.write.sweepFees(), "EscrowNothingToWithdraw", [f.timelock.address]);
    });

    it("claim: a zero-fee session sends nothing to the treasury", async () => {
      const { f, provider, client, p } = await setup();
      await f.asTimelock((tl) => f.timelockWrite(tl, "setProtocolFeeBps", [0n], "escrow"));
      const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address });
      const sig = await signVoucher(f, sessionSigner, sessionId, GIB, 0n);
      const receipt = await f.mined(f.as(provider).escrow.write.claim([sessionId, GIB, 0n, sig]));
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "UsageClaimed", {
        sessionId,
        provider: p,
        totalBytes: GIB,
        totalSeconds: 0n,
        amount: PRICE_PER_GIB,
        fee: 0n,
        totalPaid: PRICE_PER_GIB,
      });
      assert.equal(await f.escrow.read.accruedFees(), 0n);
    });

    it("claim: reverts EscrowUnauthorized for the client and EscrowInvalidStatus while pending", async () => {
      const { f, provider, client, p, c } = await setup();
      const { sessionId } = await openSession(f, client, p, { signer: sessionSigner.address });
      const sig = await signVoucher(f, sessionSigner, sessionId, 1n, 1n);
      await assertRevert(f.as(provider).escrow.write.claim([sessionId, 1n, 1n, sig]), "EscrowInvalidStatus", [
        sessionId,
        PENDING,
      ]);
      await f.mined(f.as(provider).escrow.write.acceptSession([sessionId, "10.0.0.2"]));
      await assertRevert(f.as(client).escrow.write.claim([sessionId, 1n, 1n, sig]), "EscrowUnauthorized", [c]);
      await assertRevert(f.as(provider).escrow.write.claim([99n, 1n, 1n, sig]), "EscrowUnknownSession", [99n]);
    });

    it("claim: works during the settlement window and reverts EscrowSettlementWindowOver after it", async () => {
      const { f, provider, client, p } = await setup();
      const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address });
      const closed = await f.mined(f.as(client).escrow.write.closeSession([sessionId]));
      const deadline = (await blockTime(f, closed)) + SETTLEMENT_WINDOW;
      const sig = await signVoucher(f, sessionSigner, sessionId, GIB, 0n);
      await f.networkHelpers.time.setNextBlockTimestamp(deadline);
      await f.mined(f.as(provider).escrow.write.claim([sessionId, GIB, 0n, sig]));
      const sig2 = await signVoucher(f, sessionSigner, sessionId, 2n * GIB, 0n);
      await assertRevert(
        f.as(provider).escrow.write.claim([sessionId, 2n * GIB, 0n, sig2]),
        "EscrowSettlementWindowOver",
        [sessionId, Number(deadline)],
      );
      await assertRevert(
        f.as(provider).escrow.write.closeWithVoucher([sessionId, 2n * GIB, 0n, sig2]),
        "EscrowSettlementWindowOver",
        [sessionId, Number(deadline)],
      );
      assert.equal((await f.escrow.read.getSession([sessionId])).paid, PRICE_PER_GIB);
      void p;
    });
  });

  describe("closeSession", () => {
    it("closeSession (provider): settles at once, refunds the client and emits SessionClosed and SessionSettled", async () => {
      const { f, provider, client, p, c } = await setup();
      const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address });
      await f.mined(
        f
          .as(provider)
          .escrow.write.claim([sessionId, GIB, 0n, await signVoucher(f, sessionSigner, sessionId, GIB, 0n)]),
      );
      const before = await f.usd.read.balanceOf([c]);
      const receipt = await f.mined(f.as(provider).escrow.write.closeSession([sessionId]));
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionClosed", {
        sessionId,
        provider: p,
        closedBy: p,
        settlementDeadline: 0,
      });
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionSettled", {
        sessionId,
        provider: p,
        paid: PRICE_PER_GIB,
        refund: USD(10) - PRICE_PER_GIB,
      });
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ActiveSessionsChanged", {
        provider: p,
        activeSessions: 0,
      });
      assert.equal(await f.usd.read.balanceOf([c]), before + USD(10) - PRICE_PER_GIB);
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), await f.escrow.read.accruedFees());
      assert.equal((await f.escrow.read.getSession([sessionId])).status, CLOSED);
      await assertRevert(f.as(provider).escrow.write.closeSession([sessionId]), "EscrowInvalidStatus", [
        sessionId,
        CLOSED,
      ]);
    });

    it("closeSession (client): opens the settlement window and frees the provider's slot", async () => {
      const { f, provider, client, p, c } = await setup();
      const sessionId = await activeSession(f, client, provider);
      const receipt = await f.mined(f.as(client).escrow.write.closeSession([sessionId]));
      const deadline = (await blockTime(f, receipt)) + SETTLEMENT_WINDOW;
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionClosed", {
        sessionId,
        provider: p,
        closedBy: c,
        settlementDeadline: Number(deadline),
      });
      assertEvent(providerRegistryAbi, f.registry.address, receipt, "ActiveSessionsChanged", {
        provider: p,
        activeSessions: 0,
      });
      const s = await f.escrow.read.getSession([sessionId]);
      assert.deepEqual([s.status, s.deadline], [CLOSING, Number(deadline)]);
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), USD(10), "nothing paid out yet");
      await assertRevert(f.as(client).escrow.write.closeSession([sessionId]), "EscrowInvalidStatus", [
        sessionId,
        CLOSING,
      ]);
    });

    it("closeSession (provider): settles a session the client is closing without releasing its slot twice", async () => {
      const { f, provider, client, p } = await setup();
      const sessionId = await activeSession(f, client, provider);
      await f.mined(f.as(client).escrow.write.closeSession([sessionId]));
      const receipt = await f.mined(f.as(provider).escrow.write.closeSession([sessionId]));
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionSettled", {
        sessionId,
        provider: p,
        paid: 0n,
        refund: USD(10),
      });
      const released = receipt.logs.filter((l) => l.address.toLowerCase() === f.registry.address.toLowerCase());
      assert.equal(released.length, 0);
      assert.equal((await f.registry.read.getProvider([p])).activeSessions, 0);
    });

    it("closeSession: reverts EscrowUnauthorized for a stranger and EscrowInvalidStatus while pending", async () => {
      const { f, provider, client, stranger, p } = await setup();
      const { sessionId } = await openSession(f, client, p);
      await assertRevert(f.as(provider).escrow.write.closeSession([sessionId]), "EscrowInvalidStatus", [
        sessionId,
        PENDING,
      ]);
      await assertRevert(f.as(client).escrow.write.closeSession([sessionId]), "EscrowInvalidStatus", [
        sessionId,
        PENDING,
      ]);
      await assertRevert(f.as(stranger).escrow.write.closeSession([sessionId]), "EscrowUnauthorized", [
        stranger.account.address,
      ]);
      await assertRevert(f.as(stranger).escrow.write.closeSession([5n]), "EscrowUnknownSession", [5n]);
    });

    it("closeWithVoucher: claims the final voucher and settles at once", async () => {
      const { f, provider, client, p, c } = await setup();
      const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address });
      const sig = await signVoucher(f, sessionSigner, sessionId, 2n * GIB, 600n);
      const before = await f.usd.read.balanceOf([c]);
      const receipt = await f.mined(f.as(provider).escrow.write.closeWithVoucher([sessionId, 2n * GIB, 600n, sig]));
      const total = cost(2n * GIB, 600n);
      const fee = (total * FEE_BPS) / 10_000n;
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "UsageClaimed", {
        sessionId,
        provider: p,
        totalBytes: 2n * GIB,
        totalSeconds: 600n,
        amount: total,
        fee,
        totalPaid: total,
      });
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionClosed", {
        sessionId,
        provider: p,
        closedBy: p,
        settlementDeadline: 0,
      });
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionSettled", {
        sessionId,
        provider: p,
        paid: total,
        refund: USD(10) - total,
      });
      assert.equal(await f.usd.read.balanceOf([c]), before + USD(10) - total);
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), await f.escrow.read.accruedFees());
      assert.equal((await f.registry.read.getProvider([p])).activeSessions, 0);
    });

    it("closeWithVoucher: works in the settlement window; reverts EscrowUnauthorized and EscrowInvalidStatus", async () => {
      const { f, provider, client, p, c } = await setup();
      const { sessionId } = await openSession(f, client, p, { signer: sessionSigner.address });
      const sig = await signVoucher(f, sessionSigner, sessionId, GIB, 0n);
      await assertRevert(
        f.as(provider).escrow.write.closeWithVoucher([sessionId, GIB, 0n, sig]),
        "EscrowInvalidStatus",
        [sessionId, PENDING],
      );
      await f.mined(f.as(provider).escrow.write.acceptSession([sessionId, "10.0.0.2"]));
      await assertRevert(f.as(client).escrow.write.closeWithVoucher([sessionId, GIB, 0n, sig]), "EscrowUnauthorized", [
        c,
      ]);
      await f.mined(f.as(client).escrow.write.closeSession([sessionId]));
      const receipt = await f.mined(f.as(provider).escrow.write.closeWithVoucher([sessionId, GIB, 0n, sig]));
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionSettled", {
        sessionId,
        provider: p,
        paid: PRICE_PER_GIB,
        refund: USD(10) - PRICE_PER_GIB,
      });
      assert.equal((await f.registry.read.getProvider([p])).activeSessions, 0);
    });
  });

  describe("finalize", () => {
    it("finalize: anyone settles after the window; reverts EscrowSettlementWindowOpen before and EscrowInvalidStatus otherwise", async () => {
      const { f, provider, client, stranger, p, c } = await setup();
      const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address });
      await assertRevert(f.as(stranger).escrow.write.finalize([sessionId]), "EscrowInvalidStatus", [sessionId, ACTIVE]);
      await f.mined(
        f
          .as(provider)
          .escrow.write.claim([sessionId, 0n, 600n, await signVoucher(f, sessionSigner, sessionId, 0n, 600n)]),
      );
      const closed = await f.mined(f.as(client).escrow.write.closeSession([sessionId]));
      const deadline = (await blockTime(f, closed)) + SETTLEMENT_WINDOW;
      await f.networkHelpers.time.setNextBlockTimestamp(deadline);
      await assertRevert(f.as(stranger).escrow.write.finalize([sessionId]), "EscrowSettlementWindowOpen", [
        sessionId,
        Number(deadline),
      ]);
      await f.networkHelpers.time.increaseTo(deadline + 1n);
      const before = await f.usd.read.balanceOf([c]);
      const receipt = await f.mined(f.as(stranger).escrow.write.finalize([sessionId]));
      const paid = cost(0n, 600n);
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionSettled", {
        sessionId,
        provider: p,
        paid,
        refund: USD(10) - paid,
      });
      assert.equal(await f.usd.read.balanceOf([c]), before + USD(10) - paid);
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), await f.escrow.read.accruedFees());
      await assertRevert(f.as(stranger).escrow.write.finalize([sessionId]), "EscrowInvalidStatus", [sessionId, CLOSED]);
      await assertRevert(f.as(stranger).escrow.write.finalize([42n]), "EscrowUnknownSession", [42n]);
    });

    it("finalize: a fully used deposit refunds nothing", async () => {
      const { f, provider, client, p } = await setup();
      const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address, deposit: USD(1) });
      await f.mined(
        f
          .as(provider)
          .escrow.write.claim([
            sessionId,
            100n * GIB,
            0n,
            await signVoucher(f, sessionSigner, sessionId, 100n * GIB, 0n),
          ]),
      );
      await f.mined(f.as(client).escrow.write.closeSession([sessionId]));
      await f.networkHelpers.time.increase(SETTLEMENT_WINDOW + 1n);
      const receipt = await f.mined(f.escrow.write.finalize([sessionId]));
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "SessionSettled", {
        sessionId,
        provider: p,
        paid: USD(1),
        refund: 0n,
      });
      assert.equal(await f.usd.read.balanceOf([f.escrow.address]), await f.escrow.read.accruedFees());
    });
  });

  describe("reads", () => {
    it("usageDigest and DOMAIN_SEPARATOR: match the EIP-712 domain of the escrow", async () => {
      const { f } = await setup();
      const { hashUsageVoucher } = await import("../../sdk/src/vouchers/usage.ts");
      const { hashDomain } = await import("viem");
      const domain = { chainId: 31337, escrow: f.escrow.address };
      assert.equal(
        await f.escrow.read.usageDigest([5n, 123n, 456n]),
        hashUsageVoucher(domain, {
          sessionId: 5n,
          terms: await f.escrow.read.termsOf([5n]),
          bytes: 123n,
          seconds: 456n,
        }),
      );
      const separator = hashDomain({
        domain: { name: "dvpn SessionEscrow", version: "1", chainId: 31337n, verifyingContract: f.escrow.address },
        types: {
          EIP712Domain: [
            { name: "name", type: "string" },
            { name: "version", type: "string" },
            { name: "chainId", type: "uint256" },
            { name: "verifyingContract", type: "address" },
          ],
        },
      });
      assert.equal(await f.escrow.read.DOMAIN_SEPARATOR(), separator);
      assert.equal(
        await f.escrow.read.USAGE_TYPEHASH(),
        keccak256(toHex("Usage(uint256 sessionId,bytes32 terms,uint64 bytes,uint64 seconds)")),
      );
    });

    it("getSession and priceOf: an unknown session is empty and prices to zero", async () => {
      const { f } = await setup();
      const s = await f.escrow.read.getSession([123n]);
      assert.deepEqual([s.status, s.deposit, s.paid, s.client], [0, 0n, 0n, zeroAddress]);
      assert.equal(await f.escrow.read.priceOf([123n, GIB, 60n]), 0n);
    });
  });

  describe("governance setters", () => {
    const cases = [
      {
        fn: "setProtocolFeeBps",
        param: "protocolFeeBps",
        ok: 1000n,
        low: undefined,
        high: 1001n,
        min: 0n,
        max: 1000n,
        old: 250n,
      },
      {
        fn: "setAcceptTimeout",
        param: "acceptTimeout",
        ok: 86_400n,
        low: 59n,
        high: 86_401n,
        min: 60n,
        max: 86_400n,
        old: 300n,
      },
      {
        fn: "setSettlementWindow",
        param: "settlementWindow",
        ok: 600n,
        low: 599n,
        high: 7n * 86_400n + 1n,
        min: 600n,
        max: 7n * 86_400n,
        old: 3600n,
      },
    ] as const satisfies readonly ParameterSetterCase[];
    itSetsBoundedParameters({
      target: "escrow",
      cases,
      setup: async () => {
        const { f, client } = await setup();
        return { f, callers: [f.deployer, client] };
      },
    });

    it("setTreasury: the timelock moves fees elsewhere; zero and strangers revert", async () => {
      const { f, provider, client, stranger } = await setup();
      const t = stranger.account.address;
      await f.asTimelock(async (tl) => {
        await assertRevert(f.timelockWrite(tl, "setTreasury", [zeroAddress], "escrow"), "EscrowInvalidTreasury");
        const receipt = await f.timelockWrite(tl, "setTreasury", [t], "escrow");
        assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "ParameterUpdated", {
          name: name("treasury"),
          oldValue: BigInt(f.timelock.address),
          newValue: BigInt(t),
        });
      });
      await assertRevert(f.as(client).escrow.write.setTreasury([t]), "EscrowUnauthorized", [client.account.address]);
      await assertRevert(f.escrow.write.setTreasury([t]), "EscrowUnauthorized", [f.deployer.account.address]);
      const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address });
      const before = await f.usd.read.balanceOf([t]);
      await f.mined(
        f
          .as(provider)
          .escrow.write.claim([sessionId, GIB, 0n, await signVoucher(f, sessionSigner, sessionId, GIB, 0n)]),
      );
      await f.mined(f.as(provider).escrow.write.closeSession([sessionId]));
      await f.mined(f.escrow.write.sweepFees());
      assert.equal(await f.usd.read.balanceOf([t]), before + (PRICE_PER_GIB * FEE_BPS) / 10_000n);
    });

    it("setProtocolFeeBps: open sessions keep the fee they opened with", async () => {
      const { f, provider, client, p } = await setup();
      const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address });
      await f.asTimelock((tl) => f.timelockWrite(tl, "setProtocolFeeBps", [1000n], "escrow"));
      const receipt = await f.mined(
        f
          .as(provider)
          .escrow.write.claim([sessionId, GIB, 0n, await signVoucher(f, sessionSigner, sessionId, GIB, 0n)]),
      );
      assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "UsageClaimed", {
        sessionId,
        provider: p,
        totalBytes: GIB,
        totalSeconds: 0n,
        amount: PRICE_PER_GIB,
        fee: (PRICE_PER_GIB * FEE_BPS) / 10_000n,
        totalPaid: PRICE_PER_GIB,
      });
    });
  });
});
