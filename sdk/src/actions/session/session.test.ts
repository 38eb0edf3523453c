import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ContractRevertError } from "../../errors/contract.ts";
import { InvalidInputError } from "../../errors/input.ts";
import { SessionNotAcceptedError } from "../../errors/session.ts";
import { hashUsageVoucher, priceUsage, verifyUsageVoucher } from "../../vouchers/usage.ts";
import { generateWgKeyPair } from "../../wireguard/keys.ts";
import { USD, sdkFixture, type SdkFixture } from "../../../test/fixture.ts";

describe("session actions", () => {
  let f: SdkFixture;
  let provider: Awaited<ReturnType<SdkFixture["registerProviderAccount"]>>;
  before(async () => {
    f = await sdkFixture();
    provider = await f.registerProviderAccount(1, { pricePerGiB: 60_000n, pricePerMinute: 120n });
  });
  after(async () => {
    await f.connection.close();
  });

  async function open(i: number, extra: { deposit?: bigint } = {}) {
    const client = f.clientFor(i);
    await f.fund(client.account!.address);
    const signer = privateKeyToAccount(generatePrivateKey());
    const opened = await client.openSession({
      provider: provider.address,
      wgPublicKey: generateWgKeyPair().publicKey,
      signer: signer.address,
      deposit: extra.deposit ?? USD(5),
      maxPricePerGiB: 60_000n,
      maxPricePerMinute: 120n,
    });
    return { client, signer, opened, sessionId: opened.sessionId };
  }

  it("openSession with a permit returns the session id and the snapshotted terms", async () => {
    const { client, signer, opened } = await open(2);
    assert.equal(opened.sessionId, 1n);
    assert.equal(opened.signer, signer.address);
    assert.equal(opened.pricePerGiB, 60_000n);
    assert.equal(opened.deposit, USD(5));
    assert.equal(opened.feeBps, 250);
    const s = await client.getSession({ sessionId: 1n });
    assert.equal(s.status, "Pending");
    assert.equal(s.client, client.account!.address);
    assert.equal(s.deadline, opened.acceptDeadline);
  });

  it("a price above the cap fails before sending, with a human message", async () => {
    const client = f.clientFor(3);
    await f.fund(client.account!.address);
    const err = await client
      .openSession({
        provider: provider.address,
        wgPublicKey: generateWgKeyPair().publicKey,
        deposit: USD(1),
        maxPricePerGiB: 50_000n,
        maxPricePerMinute: 1_000n,
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ContractRevertError, String(err));
    assert.equal(err.errorName, "EscrowPriceAboveMaximum");
    assert.deepEqual(err.args, [60_000n, 50_000n]);
    assert.equal(err.shortMessage, "openSessionWithPermit: provider's price 60000 is above your maximum 50000");
  });

  it("rejects a bad provider address, key and deposit before any transaction", async () => {
    const client = f.clientFor(3);
    const base = {
      provider: provider.address,
      wgPublicKey: generateWgKeyPair().publicKey,
      deposit: USD(1),
      maxPricePerGiB: 1n,
      maxPricePerMinute: 1n,
    };
    await assert.rejects(client.openSession({ ...base, provider: "0xnope" as `0x${string}` }), InvalidInputError);
    await assert.rejects(client.openSession({ ...base, wgPublicKey: "0x" + "00".repeat(32) }), InvalidInputError);
    await assert.rejects(client.openSession({ ...base, deposit: 0n }), InvalidInputError);
    await assert.rejects(client.openSession({ ...base, deposit: 1n << 96n }), InvalidInputError);
  });

  it("accept, wait, sign, claim and close with a voucher; prices and digests match the contract", async () => {
    const { client, signer, sessionId } = await open(4);
    const progress: string[] = [];
    const waiting = client.waitForSessionAccepted({
      sessionId,
      pollIntervalMs: 20,
      onPoll: ({ session }) => progress.push(session.status),
    });
    await provider.client.acceptSession({ sessionId, tunnelAddress: "10.77.0.2/16,fd77:dead:beef::2/64" });
    const accepted = await waiting;
    assert.equal(accepted.tunnelAddress, "10.77.0.2/16,fd77:dead:beef::2/64");
    assert.equal(accepted.session.status, "Active");
    assert.ok(progress.length >= 1);

    const usage = { bytes: 3n * (1n << 30n) + 12_345n, seconds: 601n };
    const { voucher, signature } = await client.signVoucher({ sessionId, ...usage, signer });
    const domain = { chainId: f.chain.id, escrow: f.deployment.contracts.SessionEscrow.address };
    assert.equal(await client.getUsageDigest({ sessionId, ...usage }), hashUsageVoucher(domain, voucher));
    assert.equal(await verifyUsageVoucher({ domain, voucher, signature, signer: signer.address }), true);
    const s = await client.getSession({ sessionId });
    const expected = priceUsage(s, usage);
    assert.equal(await client.getPriceOf({ sessionId, ...usage }), expected);

    const claim = await provider.client.claimUsage({ sessionId, ...usage, signature });
    assert.equal(claim.amount, expected);
    assert.equal(claim.fee, (expected * 250n) / 10_000n);
    const stale = await provider.client.claimUsage({ sessionId, ...usage, signature }).catch((e: unknown) => e);
    assert.ok(stale instanceof ContractRevertError && stale.errorName === "EscrowStaleVoucher");

    const more = { bytes: usage.bytes + 1_000_000n, seconds: 700n };
    const last = await client.signVoucher({ sessionId, ...more, signer });
    const closed = await provider.client.closeWithVoucher({ sessionId, ...more, signature: last.signature });
    const total = priceUsage(s, more);
    assert.equal(closed.settlementDeadline, 0);
    assert.equal(closed.paid, total);
    assert.equal(closed.refund, USD(5) - total);
    assert.equal((await client.getSession({ sessionId })).status, "Closed");
  });

  it("a voucher signed by another key is refused by the contract", async () => {
    const { client, sessionId } = await open(5);
    await provider.client.acceptSession({ sessionId, tunnelAddress: "10.77.0.3/16" });
    const intruder = privateKeyToAccount(generatePrivateKey());
    const { signature } = await client.signVoucher({ sessionId, bytes: 1n, seconds: 1n, signer: intruder });
    const err = await provider.client.claimUsage({ sessionId, bytes: 1n, seconds: 1n, signature }).catch((e) => e);
    assert.ok(err instanceof ContractRevertError && err.errorName === "EscrowInvalidSignature");
  });

  it("client close opens the settlement window; finalize refunds after it", async () => {
    const { client, sessionId } = await open(6);
    await provider.client.acceptSession({ sessionId, tunnelAddress: "10.77.0.4/16" });
    const closed = await client.closeSession({ sessionId });
    assert.ok(closed.settlementDeadline > 0);
    assert.equal(closed.refund, undefined);
    const early = await client.finalizeSession({ sessionId }).catch((e: unknown) => e);
    assert.ok(early instanceof ContractRevertError && early.errorName === "EscrowSettlementWindowOpen");
    await f.networkHelpers.time.increase(3_601);
    const fin = await f.clientFor(7).finalizeSession({ sessionId });
    assert.equal(fin.paid, 0n);
    assert.equal(fin.refund, USD(5));
  });

  it("the client cancels a pending session at once; others only after the accept timeout", async () => {
    await provider.client.sendHeartbeat();
    const { client, sessionId } = await open(8);
    const early = await f
      .clientFor(9)
      .cancelSession({ sessionId })
      .catch((e: unknown) => e);
    assert.ok(early instanceof ContractRevertError && early.errorName === "EscrowAcceptDeadlineNotReached");
    const c = await client.cancelSession({ sessionId });
    assert.equal(c.refund, USD(5));
    assert.equal((await client.getSession({ sessionId })).status, "Closed");
    const accept = await provider.client.acceptSession({ sessionId, tunnelAddress: "10.0.0.2/16" }).catch((e) => e);
    assert.ok(accept instanceof ContractRevertError && accept.errorName === "EscrowInvalidStatus");
  });

  it("waiting reports a missed accept deadline; anyone may cancel then", async () => {
    await provider.client.sendHeartbeat();
    const { client, sessionId } = await open(8);
    await f.networkHelpers.time.increase(301);
    await f.networkHelpers.mine();
    await assert.rejects(client.waitForSessionAccepted({ sessionId, pollIntervalMs: 10 }), SessionNotAcceptedError);
    const c = await f.clientFor(9).cancelSession({ sessionId });
    assert.equal(c.refund, USD(5));
  });
});
