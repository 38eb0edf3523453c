import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { generateWgKeyPair } from "../wireguard/keys.ts";
import { USD, sdkFixture, type SdkFixture } from "../../test/fixture.ts";
import type { Hex } from "viem";
import {
  hashUsageVoucher,
  hashVoucherTerms,
  priceUsage,
  protocolFee,
  claimFee,
  recoverUsageSigner,
  signUsageVoucher,
  verifyUsageVoucher,
} from "./usage.ts";

/** A small deterministic generator (fixed seed) for reproducible cases. */
function rng(seed: bigint) {
  let x = seed;
  return (bits: bigint) => {
    x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    return x & ((1n << bits) - 1n);
  };
}

describe("usage vouchers against the escrow", () => {
  let f: SdkFixture;
  let sessionId: bigint;
  let terms: { pricePerGiB: bigint; pricePerMinute: bigint; deposit: bigint };
  let bound: Hex;
  const signer = privateKeyToAccount(generatePrivateKey());
  before(async () => {
    f = await sdkFixture();
    const provider = await f.registerProviderAccount(1, { pricePerGiB: 123_457n, pricePerMinute: 7_919n });
    const client = f.clientFor(2);
    await f.fund(client.account!.address);
    const opened = await client.openSession({
      provider: provider.address,
      wgPublicKey: generateWgKeyPair().publicKey,
      signer: signer.address,
      deposit: USD(1_000),
      maxPricePerGiB: 123_457n,
      maxPricePerMinute: 7_919n,
    });
    sessionId = opened.sessionId;
    terms = { pricePerGiB: opened.pricePerGiB, pricePerMinute: opened.pricePerMinute, deposit: opened.deposit };
    bound = hashVoucherTerms({ provider: provider.address, ...terms });
  });
  after(async () => {
    await f.connection.close();
  });

  it("priceUsage equals SessionEscrow.priceOf, including rounding and the deposit cap", async () => {
    const next = rng(42n);
    const cases = [
      { bytes: 0n, seconds: 0n },
      { bytes: 1n, seconds: 1n },
      { bytes: (1n << 30n) - 1n, seconds: 59n },
      { bytes: 1n << 30n, seconds: 60n },
      { bytes: (1n << 64n) - 1n, seconds: (1n << 64n) - 1n },
      ...Array.from({ length: 20 }, () => ({ bytes: next(40n), seconds: next(20n) })),
    ];
    for (const usage of cases) {
      const onChain = await f.readOnly.getPriceOf({ sessionId, ...usage });
      assert.equal(priceUsage(terms, usage), onChain, `bytes=${usage.bytes} seconds=${usage.seconds}`);
    }
    assert.equal(priceUsage(terms, { bytes: (1n << 64n) - 1n, seconds: 0n }), terms.deposit);
    assert.equal(protocolFee(10_001n, 250), 250n);
    // Two claims of 10,039 (a fee of 250.975 each): the second takes 251, so the two add up to the
    // fee of their total (501), not to twice the first's rounded fee (500).
    assert.equal(claimFee(0n, 10_039n, 250), 250n);
    assert.equal(claimFee(10_039n, 20_078n, 250), 251n);
    assert.equal(claimFee(0n, 10_039n, 250) + claimFee(10_039n, 20_078n, 250), protocolFee(20_078n, 250));
  });

  it("hashUsageVoucher equals SessionEscrow.usageDigest and signatures verify", async () => {
    const next = rng(7n);
    const domain = { chainId: f.chain.id, escrow: f.deployment.contracts.SessionEscrow.address };
    for (let i = 0; i < 5; i++) {
      const voucher = { sessionId, terms: bound, bytes: next(64n), seconds: next(32n) };
      assert.equal(hashUsageVoucher(domain, voucher), await f.readOnly.getUsageDigest(voucher));
      const signature = await signUsageVoucher({ account: signer, domain, voucher });
      assert.equal(await recoverUsageSigner({ domain, voucher, signature }), signer.address);
      assert.equal(await verifyUsageVoucher({ domain, voucher, signature, signer: signer.address }), true);
      const other = { ...voucher, bytes: voucher.bytes ^ 1n };
      assert.equal(await verifyUsageVoucher({ domain, voucher: other, signature, signer: signer.address }), false);
    }
    const otherDomain = { ...domain, chainId: 1 };
    const voucher = { sessionId, terms: bound, bytes: 5n, seconds: 5n };
    assert.notEqual(hashUsageVoucher(otherDomain, voucher), await f.readOnly.getUsageDigest(voucher));
    // Bound to the session's terms: other prices give another digest.
    const { provider } = await f.readOnly.getSession({ sessionId });
    const repriced = hashVoucherTerms({ provider, ...terms, pricePerGiB: terms.pricePerGiB * 10n });
    assert.notEqual(
      hashUsageVoucher(domain, { ...voucher, terms: repriced }),
      await f.readOnly.getUsageDigest(voucher),
    );
  });
});
