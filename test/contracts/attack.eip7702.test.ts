/**
 * The EIP-7702 attack of the review, performed as the attacker would: the session signer
 * delegates its account to a contract without `isValidSignature`, hoping the escrow switches to
 * ERC-1271 because the signer now has code, so that every voucher it signed becomes
 * unclaimable and finalize hands the whole deposit back. The escrow checks ECDSA by the
 * signer's key first, whatever code the account has: the provider is paid for every voucher.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { concat, createWalletClient, custom, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loadFixture, type Wallet } from "./fixture.ts";
import { PRICE_PER_GIB, PRICE_PER_MINUTE, USD, activeSession, registerProvider, signVoucher } from "./helpers.ts";

const GIB = 1n << 30n;

const FEE_BPS = 250n;
const cost = (bytes: bigint, seconds: bigint) => (bytes * PRICE_PER_GIB) / GIB + (seconds * PRICE_PER_MINUTE) / 60n;

/** Delegates `account` (a local key) under EIP-7702 to `contract`, in a transaction it sends itself. */
async function delegate(f: Awaited<ReturnType<typeof loadFixture>>, key: `0x${string}`, contract: `0x${string}`) {
  const account = privateKeyToAccount(key);
  await f.networkHelpers.setBalance(account.address, 10n ** 18n);
  const wallet = createWalletClient({ account, chain: f.publicClient.chain, transport: custom(f.connection.provider) });
  const authorization = await wallet.signAuthorization({ contractAddress: contract, executor: "self" });
  await f.mined(wallet.sendTransaction({ to: zeroAddress, authorizationList: [authorization] }));
  const code = await f.publicClient.getCode({ address: account.address });
  assert.equal(code?.toLowerCase(), concat(["0xef0100", contract]).toLowerCase(), "the account is delegated");
}

describe("attack: EIP-7702 delegation of the voucher signer", () => {
  for (const who of ["session key", "client itself"] as const) {
    it(`a ${who} that delegates to a contract without isValidSignature cannot void its vouchers`, async () => {
      const f = await loadFixture();
      const [provider, client] = f.users as [Wallet, Wallet];
      await registerProvider(f, provider);
      // The attacker controls the signing key: an ephemeral session key, or a fresh client wallet.
      const key = generatePrivateKey();
      const signer = privateKeyToAccount(key);
      let payer: Wallet = client;
      if (who === "client itself") {
        await f.networkHelpers.setBalance(signer.address, 10n ** 18n);
        await f.usd.write.mint([signer.address, USD(10)]);
        await f.networkHelpers.impersonateAccount(signer.address);
        payer = await f.viem.getWalletClient(signer.address);
        await f.mined(f.as(payer).usd.write.approve([f.escrow.address, USD(10)]));
      }
      const sessionId = await activeSession(f, payer, provider, {
        signer: who === "session key" ? signer.address : undefined,
        deposit: USD(10),
      });
      if (who === "client itself") await f.networkHelpers.stopImpersonatingAccount(signer.address);
      const v1 = await signVoucher(f, signer, sessionId, GIB, 60n);
      // After acceptance, the attacker delegates to the payment token (no isValidSignature).
      await delegate(f, key, f.usd.address);
      const v2 = await signVoucher(f, signer, sessionId, 2n * GIB, 120n);
      const providerBefore = await f.usd.read.balanceOf([provider.account.address]);
      await f.mined(f.as(provider).escrow.write.claim([sessionId, GIB, 60n, v1]));
      await f.mined(f.as(provider).escrow.write.closeWithVoucher([sessionId, 2n * GIB, 120n, v2]));
      const paid = cost(2n * GIB, 120n);
      const fee = (cost(GIB, 60n) * FEE_BPS) / 10_000n + ((paid - cost(GIB, 60n)) * FEE_BPS) / 10_000n;
      assert.equal(
        await f.usd.read.balanceOf([provider.account.address]),
        providerBefore + paid - fee,
        "the provider is paid for everything it served",
      );
      const s = await f.escrow.read.getSession([sessionId]);
      assert.deepEqual([s.status, s.paid], [4, paid]);
    });
  }
});
