/**
 * The reorg attack of the review, performed as the provider would: a client (signing with its
 * own key, the SDK's default without a session key) opens session 1 at 0.5 per GiB and signs a
 * voucher; a reorganisation drops that branch, the provider raises its price to 5 per GiB and
 * the client's session is opened again under the same id 1 (the client's retry, within its
 * price cap); the provider claims the old voucher at ten times the price. Vouchers carry the
 * session's terms (provider, deposit, prices), so the old voucher matches no session on the new
 * branch and the client pays only what it signs there.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadFixture, type Wallet } from "./fixture.ts";
import { USD, assertRevert, openSession, registerProvider } from "./helpers.ts";
import { hashVoucherTerms, signUsageVoucher } from "../../sdk/src/vouchers/usage.ts";

const GIB = 1n << 30n;

describe("attack: a voucher from a reorganised branch", () => {
  it("cannot be claimed at the prices of the session that re-uses its id", async () => {
    const f = await loadFixture();
    const [provider, client] = f.users as [Wallet, Wallet];
    const p = provider.account.address;
    const c = client.account.address;
    await registerProvider(f, provider, { pricePerGiB: USD("0.5"), pricePerMinute: 0n });
    const domain = { chainId: f.deployment.chainId, escrow: f.escrow.address };
    const clientAccount = {
      address: c,
      signTypedData: (args: Parameters<typeof client.signTypedData>[0]) => client.signTypedData(args),
    };
    const sign = async (sessionId: bigint, terms: { deposit: bigint; pricePerGiB: bigint }, bytes: bigint) =>
      signUsageVoucher({
        account: clientAccount as never,
        domain,
        voucher: {
          sessionId,
          terms: hashVoucherTerms({ provider: p, pricePerMinute: 0n, ...terms }),
          bytes,
          seconds: 0n,
        },
      });
    const fork = await f.networkHelpers.takeSnapshot();
    const first = await openSession(f, client, p, { deposit: USD(10), maxPricePerGiB: USD(5) });
    await f.mined(f.as(provider).escrow.write.acceptSession([first.sessionId, "10.0.0.2"]));
    // 2 GiB at 0.5 per GiB: the client agrees to pay 1.
    const old = await sign(first.sessionId, { deposit: USD(10), pricePerGiB: USD("0.5") }, 2n * GIB);
    // The reorganisation: the branch is gone; the provider reprices and the client's open lands again.
    await fork.restore();
    await f.mined(f.as(provider).registry.write.setPrices([USD(5), 0n]));
    const again = await openSession(f, client, p, { deposit: USD(10), maxPricePerGiB: USD(5) });
    assert.equal(again.sessionId, first.sessionId, "the id is re-used");
    await f.mined(f.as(provider).escrow.write.acceptSession([again.sessionId, "10.0.0.2"]));
    const before = await f.usd.read.balanceOf([c]);
    await assertRevert(
      f.as(provider).escrow.write.claim([again.sessionId, 2n * GIB, 0n, old]),
      "EscrowInvalidSignature",
      [again.sessionId],
    );
    // The client pays only what it signs on this branch, at this branch's terms.
    const fresh = await sign(again.sessionId, { deposit: USD(10), pricePerGiB: USD(5) }, GIB / 10n);
    await f.mined(f.as(provider).escrow.write.claim([again.sessionId, GIB / 10n, 0n, fresh]));
    await f.mined(f.as(client).escrow.write.closeSession([again.sessionId]));
    await f.networkHelpers.time.increase(3_601n);
    await f.mined(f.escrow.write.finalize([again.sessionId]));
    const paid = ((GIB / 10n) * USD(5)) / GIB;
    assert.equal(await f.usd.read.balanceOf([c]), before + USD(10) - paid, "the client is whole");
  });

  it("the SDK and the escrow agree on the terms hash", async () => {
    const f = await loadFixture();
    const [provider, client] = f.users as [Wallet, Wallet];
    await registerProvider(f, provider, { pricePerGiB: 123_457n, pricePerMinute: 7_919n });
    const { sessionId } = await openSession(f, client, provider.account.address, { deposit: USD(3) });
    const s = await f.escrow.read.getSession([sessionId]);
    assert.equal(await f.escrow.read.termsOf([sessionId]), hashVoucherTerms(s));
  });
});
