import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { generateWgKeyPair } from "../wireguard/keys.ts";
import { hashVoucherTerms, verifyUsageVoucher } from "../vouchers/usage.ts";
import { USD, sdkFixture, type SdkFixture } from "../../test/fixture.ts";
import { createTunnelSession, type OutgoingVoucher } from "./createTunnelSession.ts";
import { creditCap, DEFAULT_CREDIT_POLICY } from "./paymentPlan.ts";
import { VoucherRejectedError } from "./voucherApi.ts";

const MiB = 1n << 20n;

describe("createTunnelSession", () => {
  let f: SdkFixture;
  let provider: Awaited<ReturnType<SdkFixture["registerProviderAccount"]>>;
  before(async () => {
    f = await sdkFixture();
    provider = await f.registerProviderAccount(1, { pricePerGiB: 1_000n, pricePerMinute: 60n });
  });
  after(async () => {
    await f.connection.close();
  });

  async function openAccepted(i: number) {
    const client = f.clientFor(i);
    await f.fund(client.account!.address);
    const signer = privateKeyToAccount(generatePrivateKey());
    const opened = await client.openSession({
      provider: provider.address,
      wgPublicKey: generateWgKeyPair().publicKey,
      signer: signer.address,
      deposit: USD(1),
      maxPricePerGiB: 1_000n,
      maxPricePerMinute: 60n,
    });
    await provider.client.acceptSession({ sessionId: opened.sessionId, tunnelAddress: "10.77.0.9/16" });
    const terms = { pricePerGiB: opened.pricePerGiB, pricePerMinute: opened.pricePerMinute, deposit: opened.deposit };
    return { client, signer, sessionId: opened.sessionId, terms };
  }

  it("keeps a simulated lossy agent paid at 20 MiB/s, within the credit, with vouchers the escrow accepts", async () => {
    const { client, signer, sessionId, terms } = await openAccepted(2);
    // A transfer at 20 MiB/s for 1.5 s; the agent's meter runs 15 % ahead (path loss), is read
    // every 200 ms, and the tolerance (1 MiB + 5 %) is checked at each reading, as the agent does.
    const started = Date.now() + 300;
    const counterNow = () => BigInt(Math.floor(Math.max(0, Math.min(1_500, Date.now() - started)) * 20_971.52));
    let meter = 0n;
    let stored: OutgoingVoucher | undefined;
    const lags: bigint[] = [];
    const sent: { voucher: OutgoingVoucher; counter: bigint }[] = [];
    const reconcile = setInterval(() => {
      meter = (counterNow() * 115n) / 100n;
      const allowed = MiB + (meter * 5n) / 100n;
      lags.push(meter - (stored?.bytes ?? 0n) - allowed);
    }, 200);
    const controller = new AbortController();
    const session = createTunnelSession(client, {
      sessionId,
      signer,
      terms,
      acceptedAt: Date.now(),
      readBytes: async () => counterNow(),
      send: async (v) => {
        sent.push({ voucher: v, counter: counterNow() });
        stored = v;
        return { meteredBytes: meter, meteredSeconds: 0n };
      },
    });
    const running = session.run(controller.signal);
    await new Promise((r) => setTimeout(r, 2_300));
    controller.abort();
    const end = await running;
    clearInterval(reconcile);

    assert.equal(end.reason, "stopped");
    assert.ok(lags.length >= 8);
    assert.ok(
      lags.every((l) => l <= 0n),
      `signed usage trailed the meter beyond the tolerance: ${lags.join(", ")}`,
    );
    assert.ok(sent.length >= 5, `${sent.length} vouchers: bytes drive them, not the 10 s interval`);
    const domain = { chainId: f.chain.id, escrow: f.deployment.contracts.SessionEscrow.address };
    for (let i = 0; i < sent.length; i++) {
      const { voucher, counter } = sent[i]!;
      assert.ok(voucher.bytes <= creditCap(counter, DEFAULT_CREDIT_POLICY), `voucher ${i} over the credit`);
      assert.ok(
        await verifyUsageVoucher({
          domain,
          voucher: { ...voucher, terms: hashVoucherTerms({ provider: provider.address, ...terms }) },
          signature: voucher.signature,
          signer: signer.address,
        }),
      );
      if (i > 0) assert.ok(voucher.bytes >= sent[i - 1]!.voucher.bytes);
    }
    assert.deepEqual(end.delivered, { bytes: sent.at(-1)!.voucher.bytes, seconds: sent.at(-1)!.voucher.seconds });
    const last = sent.at(-1)!.voucher;
    const claim = await provider.client.claimUsage({ ...last, sessionId });
    assert.ok(claim.amount > 0n);
  });

  it("ends with the chain's record when the provider closes the session", async () => {
    const { client, signer, sessionId, terms } = await openAccepted(3);
    const session = createTunnelSession(client, {
      sessionId,
      signer,
      terms,
      acceptedAt: Date.now(),
      readBytes: async () => 0n,
      // The agent removed the peer: the gateway no longer answers.
      send: async () => {
        throw new VoucherRejectedError("cannot reach the agent");
      },
      chainCheckMs: 100,
    });
    const running = session.run();
    await provider.client.closeSession({ sessionId });
    const end = await running;
    assert.equal(end.reason, "provider-closed");
    assert.equal(end.onChain?.status, "Closed");
    assert.equal(end.onChain!.paid + (end.onChain!.deposit - end.onChain!.paid), terms.deposit);
  });

  it("gives up on an agent that stops answering while the session stays open", async () => {
    const { client, signer, sessionId, terms } = await openAccepted(4);
    let attempts = 0;
    const session = createTunnelSession(client, {
      sessionId,
      signer,
      terms,
      acceptedAt: Date.now() - 5_000,
      readBytes: async () => 1_000n,
      send: async () => {
        attempts++;
        throw new VoucherRejectedError("cannot reach the agent");
      },
      unreachableAfterMs: 600,
    });
    const end = await session.run();
    assert.equal(end.reason, "unreachable");
    assert.equal(end.onChain?.status, "Active");
    assert.deepEqual(end.delivered, { bytes: 0n, seconds: 0n });
    assert.ok(attempts >= 2);
  });
});
