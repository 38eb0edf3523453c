import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToHex, toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { priceUsage, usageDomain, usageTypes, verifyUsageVoucher } from "../../sdk/src/vouchers/usage.ts";
import { loadFixture, type Wallet } from "./fixture.ts";
import {
  MAX_PRICE,
  PRICE_PER_GIB,
  USD,
  activeSession,
  assertEvent,
  assertRevert,
  createPrng,
  domainOf,
  openSession,
  registerProvider,
  signVoucher,
} from "./helpers.ts";

const GIB = 1n << 30n;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const key = (label: string) => privateKeyToAccount(keccak256(stringToHex(label)));
const sessionSigner = key("voucher signer");
const otherKey = key("someone else");

async function setup() {
  const f = await loadFixture();
  const [provider, client] = f.users as [Wallet, Wallet];
  await registerProvider(f, provider);
  const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address });
  const claim = (bytes: bigint, seconds: bigint, sig: Hex, id = sessionId) =>
    f.as(provider).escrow.write.claim([id, bytes, seconds, sig]);
  return { f, provider, client, sessionId, claim, p: provider.account.address };
}

/** The same signature with s replaced by n − s and v flipped: valid for ecrecover, refused as malleable. */
function highS(sig: Hex): Hex {
  const r = sig.slice(2, 66);
  const s = BigInt(`0x${sig.slice(66, 130)}`);
  const v = Number.parseInt(sig.slice(130, 132), 16);
  return `0x${r}${(SECP256K1_N - s).toString(16).padStart(64, "0")}${toHex(v === 27 ? 28 : 27).slice(2)}`;
}

describe("usage vouchers", () => {
  it("claim: accepts a voucher signed by the session signer (the SDK agrees)", async () => {
    const { f, sessionId, claim } = await setup();
    const sig = await signVoucher(f, sessionSigner, sessionId, GIB, 60n);
    const voucher = { sessionId, terms: await f.escrow.read.termsOf([sessionId]), bytes: GIB, seconds: 60n };
    assert.equal(
      await verifyUsageVoucher({ domain: domainOf(f), voucher, signature: sig, signer: sessionSigner.address }),
      true,
    );
    await f.mined(claim(GIB, 60n, sig));
    assert.equal((await f.escrow.read.getSession([sessionId])).claimedBytes, GIB);
  });

  it("claim: reverts EscrowInvalidSignature for a voucher from the wrong signer", async () => {
    const { f, sessionId, claim } = await setup();
    const sig = await signVoucher(f, otherKey, sessionId, GIB, 60n);
    await assertRevert(claim(GIB, 60n, sig), "EscrowInvalidSignature", [sessionId]);
  });

  it("claim: reverts EscrowInvalidSignature for another session's voucher", async () => {
    const { f, provider, client, sessionId, claim } = await setup();
    const other = await activeSession(f, client, provider, { signer: sessionSigner.address });
    const sig = await signVoucher(f, sessionSigner, other, GIB, 60n);
    await assertRevert(claim(GIB, 60n, sig), "EscrowInvalidSignature", [sessionId]);
    // The same voucher is valid in its own session.
    await f.mined(claim(GIB, 60n, sig, other));
  });

  it("claim: reverts EscrowInvalidSignature for a voucher of another chain id", async () => {
    const { f, sessionId, claim } = await setup();
    const sig = await signVoucher(f, sessionSigner, sessionId, GIB, 60n, { chainId: 1, escrow: f.escrow.address });
    await assertRevert(claim(GIB, 60n, sig), "EscrowInvalidSignature", [sessionId]);
  });

  it("claim: reverts EscrowInvalidSignature for a voucher of another escrow contract", async () => {
    const { f, sessionId, claim } = await setup();
    const sig = await signVoucher(f, sessionSigner, sessionId, GIB, 60n, {
      chainId: 31337,
      escrow: f.registry.address,
    });
    await assertRevert(claim(GIB, 60n, sig), "EscrowInvalidSignature", [sessionId]);
  });

  it("claim: reverts EscrowStaleVoucher for a lower cumulative total in either field", async () => {
    const { f, sessionId, claim } = await setup();
    await f.mined(claim(2n * GIB, 120n, await signVoucher(f, sessionSigner, sessionId, 2n * GIB, 120n)));
    const lowerBytes = await signVoucher(f, sessionSigner, sessionId, GIB, 500n);
    await assertRevert(claim(GIB, 500n, lowerBytes), "EscrowStaleVoucher", [sessionId, GIB, 500n, 2n * GIB, 120n]);
    const lowerSeconds = await signVoucher(f, sessionSigner, sessionId, 5n * GIB, 119n);
    await assertRevert(claim(5n * GIB, 119n, lowerSeconds), "EscrowStaleVoucher", [
      sessionId,
      5n * GIB,
      119n,
      2n * GIB,
      120n,
    ]);
  });

  it("claim: reverts EscrowStaleVoucher when a voucher with equal totals is replayed", async () => {
    const { f, sessionId, claim } = await setup();
    const sig = await signVoucher(f, sessionSigner, sessionId, GIB, 60n);
    await f.mined(claim(GIB, 60n, sig));
    await assertRevert(claim(GIB, 60n, sig), "EscrowStaleVoucher", [sessionId, GIB, 60n, GIB, 60n]);
  });

  it("claim: a voucher raising only one field is accepted", async () => {
    const { f, sessionId, claim } = await setup();
    await f.mined(claim(GIB, 60n, await signVoucher(f, sessionSigner, sessionId, GIB, 60n)));
    await f.mined(claim(GIB, 61n, await signVoucher(f, sessionSigner, sessionId, GIB, 61n)));
    await f.mined(claim(GIB + 1n, 61n, await signVoucher(f, sessionSigner, sessionId, GIB + 1n, 61n)));
    const s = await f.escrow.read.getSession([sessionId]);
    assert.deepEqual([s.claimedBytes, s.claimedSeconds], [GIB + 1n, 61n]);
  });

  it("claim: reverts EscrowInvalidSignature for a malleable (high-s) signature", async () => {
    const { f, sessionId, claim } = await setup();
    const sig = await signVoucher(f, sessionSigner, sessionId, GIB, 60n);
    const malleable = highS(sig);
    assert.notEqual(malleable, sig);
    const voucher = { sessionId, terms: await f.escrow.read.termsOf([sessionId]), bytes: GIB, seconds: 60n };
    assert.equal(
      await verifyUsageVoucher({ domain: domainOf(f), voucher, signature: malleable, signer: sessionSigner.address }),
      false,
    );
    await assertRevert(claim(GIB, 60n, malleable), "EscrowInvalidSignature", [sessionId]);
    await assertRevert(claim(GIB, 60n, "0x1234"), "EscrowInvalidSignature", [sessionId]);
    await f.mined(claim(GIB, 60n, sig));
  });

  it("claim: a voucher worth more than the deposit pays exactly the deposit", async () => {
    const { f, provider, client, p } = await setup();
    const sessionId = await activeSession(f, client, provider, { signer: sessionSigner.address, deposit: USD(2) });
    const bytes = 1000n * GIB;
    assert.equal(await f.escrow.read.priceOf([sessionId, bytes, 0n]), USD(2));
    const receipt = await f.mined(
      f
        .as(provider)
        .escrow.write.claim([sessionId, bytes, 0n, await signVoucher(f, sessionSigner, sessionId, bytes, 0n)]),
    );
    const fee = (USD(2) * 250n) / 10_000n;
    assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "UsageClaimed", {
      sessionId,
      provider: p,
      totalBytes: bytes,
      totalSeconds: 0n,
      amount: USD(2),
      fee,
      totalPaid: USD(2),
    });
    // Later vouchers add nothing; the provider still settles with zero refund.
    const more = await signVoucher(f, sessionSigner, sessionId, 2n * bytes, 10n);
    const r2 = await f.mined(f.as(provider).escrow.write.closeWithVoucher([sessionId, 2n * bytes, 10n, more]));
    assertEvent(sessionEscrowAbi, f.escrow.address, r2, "UsageClaimed", {
      sessionId,
      provider: p,
      totalBytes: 2n * bytes,
      totalSeconds: 10n,
      amount: 0n,
      fee: 0n,
      totalPaid: USD(2),
    });
    assertEvent(sessionEscrowAbi, f.escrow.address, r2, "SessionSettled", {
      sessionId,
      provider: p,
      paid: USD(2),
      refund: 0n,
    });
    assert.equal((await f.escrow.read.getSession([sessionId])).paid, USD(2));
  });

  it("claim: a contract-wallet signer is checked with ERC-1271", async () => {
    const { f, provider, client } = await setup();
    const wallet = await f.viem.deployContract("MockERC1271Wallet", [sessionSigner.address]);
    const sessionId = await activeSession(f, client, provider, { signer: wallet.address });
    const claim = (b: bigint, s: bigint, sig: Hex) => f.as(provider).escrow.write.claim([sessionId, b, s, sig]);
    await assertRevert(claim(GIB, 0n, await signVoucher(f, otherKey, sessionId, GIB, 0n)), "EscrowInvalidSignature", [
      sessionId,
    ]);
    await f.mined(claim(GIB, 0n, await signVoucher(f, sessionSigner, sessionId, GIB, 0n)));
    assert.equal((await f.escrow.read.getSession([sessionId])).paid, PRICE_PER_GIB);
  });

  it("claim: with a zero session signer the client's own key signs", async () => {
    const { f, provider, client } = await setup();
    const sessionId = await activeSession(f, client, provider);
    const claim = (b: bigint, s: bigint, sig: Hex) => f.as(provider).escrow.write.claim([sessionId, b, s, sig]);
    await assertRevert(
      claim(GIB, 0n, await signVoucher(f, sessionSigner, sessionId, GIB, 0n)),
      "EscrowInvalidSignature",
      [sessionId],
    );
    const sig = await client.signTypedData({
      domain: usageDomain(domainOf(f)),
      types: usageTypes,
      primaryType: "Usage",
      message: { sessionId, terms: await f.escrow.read.termsOf([sessionId]), bytes: GIB, seconds: 0n },
    });
    await f.mined(claim(GIB, 0n, sig));
    assert.equal((await f.escrow.read.getSession([sessionId])).paid, PRICE_PER_GIB);
  });

  it("priceUsage: the SDK prices every voucher exactly like priceOf (seeded random terms and usage)", async () => {
    const f = await loadFixture();
    const [provider, client] = f.users as [Wallet, Wallet];
    await registerProvider(f, provider, { maxSessions: 100 });
    const rng = createPrng(0xd1e5n);
    for (let i = 0; i < 8; i++) {
      // Prices from tiny to the registry's maximum (2^64 − 1), deposits from 1 unit to 10,000 mUSD.
      const priceBits = [8, 20, 40, 64][i % 4]!;
      const pricePerGiB = rng.bits(priceBits) % (MAX_PRICE + 1n);
      const pricePerMinute = rng.bits(priceBits) % (MAX_PRICE + 1n);
      await f.mined(f.as(provider).registry.write.setPrices([pricePerGiB, pricePerMinute]));
      const deposit = rng.between(1n, USD(10_000) / 8n);
      const { sessionId } = await openSession(f, client, provider.account.address, { deposit });
      for (let j = 0; j < 30; j++) {
        const bytes = rng.bits(rng.pick([8, 32, 40, 64]));
        const seconds = rng.bits(rng.pick([8, 20, 32, 64]));
        const onChain = await f.escrow.read.priceOf([sessionId, bytes, seconds]);
        assert.equal(
          priceUsage({ pricePerGiB, pricePerMinute, deposit }, { bytes, seconds }),
          onChain,
          `session ${sessionId} (${bytes}, ${seconds})`,
        );
      }
    }
  });
});
