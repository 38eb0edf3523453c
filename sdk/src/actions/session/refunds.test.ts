import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ContractRevertError } from "../../errors/contract.ts";
import { generateWgKeyPair } from "../../wireguard/keys.ts";
import { USD, sdkFixture, type SdkFixture } from "../../../test/fixture.ts";

describe("sessions: reject, accrued fees and credited refunds", () => {
  let f: SdkFixture;
  let provider: Awaited<ReturnType<SdkFixture["registerProviderAccount"]>>;
  before(async () => {
    f = await sdkFixture();
    provider = await f.registerProviderAccount(1, { pricePerGiB: 60_000n, pricePerMinute: 120n });
  });
  after(async () => {
    await f.connection.close();
  });

  async function open(i: number) {
    const client = f.clientFor(i);
    await f.fund(client.account!.address);
    const signer = privateKeyToAccount(generatePrivateKey());
    const { sessionId } = await client.openSession({
      provider: provider.address,
      wgPublicKey: generateWgKeyPair().publicKey,
      signer: signer.address,
      deposit: USD(5),
      maxPricePerGiB: 60_000n,
      maxPricePerMinute: 120n,
    });
    return { client, sessionId, signer };
  }

  it("rejectSession refunds the whole deposit at once and closes the session", async () => {
    const { client, sessionId } = await open(2);
    const rejected = await provider.client.rejectSession({ sessionId, reason: "bad wireguard key" });
    assert.equal(rejected.refund, USD(5));
    assert.equal((await client.getSession({ sessionId })).status, "Closed");
    const tooLong = await provider.client.rejectSession({ sessionId, reason: "x".repeat(33) }).catch((e) => e);
    assert.ok(tooLong instanceof RangeError);
  });

  it("a session's fee accrues in the escrow when it settles and anyone sweeps it; nothing credited means nothing to withdraw", async () => {
    const { client, sessionId, signer } = await open(3);
    await provider.client.acceptSession({ sessionId, tunnelAddress: "10.77.0.5/16" });
    const { signature } = await client.signVoucher({ sessionId, bytes: 1n << 30n, seconds: 60n, signer });
    const claim = await provider.client.claimUsage({ sessionId, bytes: 1n << 30n, seconds: 60n, signature });
    assert.ok(claim.fee > 0n);
    await provider.client.closeSession({ sessionId });
    const swept = await client.sweepFees();
    assert.ok(swept.amount >= claim.fee, "the sweep takes at least this claim's fee");
    const nothing = await client.withdrawRefund().catch((e: unknown) => e);
    assert.ok(nothing instanceof ContractRevertError && nothing.errorName === "EscrowNothingToWithdraw");
  });
});
