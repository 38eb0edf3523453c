/**
 * The three-slot session layout of SessionEscrow: providers stored as ids, prices bounded by
 * MAX_PRICE, and every record still read back whole.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToHex, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { loadFixture, type Wallet } from "./fixture.ts";
import { hashVoucherTerms } from "../../sdk/src/vouchers/usage.ts";
import { MAX_PRICE, USD, activeSession, assertRevert, openSession, registerProvider, signVoucher } from "./helpers.ts";

const CLOSED = 4;
const MAX_UINT64 = (1n << 64n) - 1n;
const sessionSigner = privateKeyToAccount(keccak256(stringToHex("layout signer")));

describe("SessionEscrow storage layout", () => {
  it("provider ids: the first session with a provider assigns its id once; records show its address", async () => {
    const f = await loadFixture();
    const [alice, bob, client] = f.users as [Wallet, Wallet, Wallet];
    await registerProvider(f, alice);
    await registerProvider(f, bob);
    const a = alice.account.address;
    const b = bob.account.address;
    assert.equal(await f.escrow.read.providerIdOf([a]), 0, "no id before a session");
    assert.equal(await f.escrow.read.providerCount(), 0);
    const s1 = (await openSession(f, client, a)).sessionId;
    const s2 = (await openSession(f, client, b)).sessionId;
    const s3 = (await openSession(f, client, a)).sessionId;
    assert.deepEqual([await f.escrow.read.providerIdOf([a]), await f.escrow.read.providerIdOf([b])], [1, 2]);
    assert.equal(await f.escrow.read.providerCount(), 2, "a second session reuses the id");
    assert.equal((await f.escrow.read.providerOf([1])).toLowerCase(), a.toLowerCase());
    assert.equal((await f.escrow.read.providerOf([2])).toLowerCase(), b.toLowerCase());
    for (const [id, p] of [
      [s1, a],
      [s2, b],
      [s3, a],
    ] as const) {
      assert.equal((await f.escrow.read.getSession([id])).provider.toLowerCase(), p.toLowerCase());
    }
    // Bob's id is not Alice's: he cannot accept her session.
    await assertRevert(f.as(bob).escrow.write.acceptSession([s1, "10.64.0.2/32"]), "EscrowUnauthorized", [b]);
    // An unknown session has no provider.
    assert.equal((await f.escrow.read.getSession([99n])).provider, zeroAddress);
  });

  it("a provider that opened a session with itself closes it as the provider: settled at once", async () => {
    const f = await loadFixture();
    const [alice] = f.users as [Wallet];
    await registerProvider(f, alice);
    const id = await activeSession(f, alice, alice);
    await f.mined(f.as(alice).escrow.write.closeSession([id]));
    const s = await f.escrow.read.getSession([id]);
    assert.equal(s.status, CLOSED, "the provider's path settles; the client's would leave it Closing");
    assert.equal((await f.registry.read.getProvider([alice.account.address])).activeSessions, 0);
  });

  it("prices at MAX_PRICE and usage at 2^64 − 1 are stored exactly and pay at most the deposit", async () => {
    const f = await loadFixture();
    const [provider, client] = f.users as [Wallet, Wallet];
    await registerProvider(f, provider, { pricePerGiB: MAX_PRICE, pricePerMinute: MAX_PRICE });
    const deposit = USD(50_000);
    await f.mined(f.usd.write.mint([client.account.address, deposit]));
    const id = await activeSession(f, client, provider, { signer: sessionSigner.address, deposit });
    const s = await f.escrow.read.getSession([id]);
    assert.deepEqual([s.pricePerGiB, s.pricePerMinute, s.deposit], [MAX_PRICE, MAX_PRICE, deposit]);
    assert.equal(
      await f.escrow.read.termsOf([id]),
      hashVoucherTerms({
        provider: provider.account.address,
        deposit,
        pricePerGiB: MAX_PRICE,
        pricePerMinute: MAX_PRICE,
      }),
      "the terms hash is the SDK's, whatever width the escrow stores",
    );
    // 2^20 bytes (1 MiB) at MAX_PRICE per GiB are worth MAX_PRICE / 2^10, above any deposit here: capped.
    const mib = 1n << 20n;
    const worth = MAX_PRICE / (1n << 10n);
    assert.ok(worth > deposit);
    assert.equal(await f.escrow.read.priceOf([id, mib, 0n]), deposit);
    // 1 byte is worth MAX_PRICE / 2^30 (rounded down): no truncation of the stored price.
    assert.equal(await f.escrow.read.priceOf([id, 1n, 0n]), MAX_PRICE / (1n << 30n));
    await f.mined(f.as(provider).escrow.write.claim([id, 1n, 0n, await signVoucher(f, sessionSigner, id, 1n, 0n)]));
    assert.equal((await f.escrow.read.getSession([id])).paid, MAX_PRICE / (1n << 30n));
    await f.mined(
      f
        .as(provider)
        .escrow.write.closeWithVoucher([
          id,
          MAX_UINT64,
          MAX_UINT64,
          await signVoucher(f, sessionSigner, id, MAX_UINT64, MAX_UINT64),
        ]),
    );
    const end = await f.escrow.read.getSession([id]);
    assert.deepEqual(
      [end.claimedBytes, end.claimedSeconds, end.paid, end.status],
      [MAX_UINT64, MAX_UINT64, deposit, CLOSED],
    );
    assert.equal(await f.usd.read.balanceOf([f.escrow.address]), await f.escrow.read.accruedFees());
  });
});
