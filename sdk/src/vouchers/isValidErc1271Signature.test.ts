/**
 * The SDK decides a voucher signature exactly as the escrow does: for every kind of signer (an
 * EOA, an ERC-1271 contract wallet, an EOA delegated under EIP-7702) and every kind of signature
 * (the signer's, another key's, a `v` of 0/1, a high `s`), `verifyUsageVoucher` with the ERC-1271
 * check answers what a simulated `claim` on the escrow answers.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { concat, createWalletClient, numberToHex, zeroAddress, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { sessionEscrowAbi } from "../abi/index.ts";
import { generateWgKeyPair } from "../wireguard/keys.ts";
import { USD, sdkFixture, type SdkFixture } from "../../test/fixture.ts";
import { isValidErc1271Signature } from "./isValidErc1271Signature.ts";
import {
  hashVoucherTerms,
  signUsageVoucher,
  verifyUsageVoucher,
  type UsageDomainParameters,
  type UsageVoucher,
} from "./usage.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The same signature with `v` as 0/1 instead of 27/28 (ecrecover refuses it). */
const lowV = (sig: Hex): Hex =>
  `0x${sig.slice(2, 130)}${(parseInt(sig.slice(130), 16) - 27).toString(16).padStart(2, "0")}`;
/** The malleable twin: s' = n − s, v flipped (same signer for ecrecover; OpenZeppelin refuses it). */
function highS(sig: Hex): Hex {
  const s = BigInt(`0x${sig.slice(66, 130)}`);
  const v = parseInt(sig.slice(130), 16) === 27 ? "1c" : "1b";
  return `0x${sig.slice(2, 66)}${numberToHex(N - s, { size: 32 }).slice(2)}${v}`;
}

describe("voucher signatures: the SDK decides as the escrow", () => {
  let f: SdkFixture;
  let provider: Awaited<ReturnType<SdkFixture["registerProviderAccount"]>>;
  let domain: UsageDomainParameters;
  before(async () => {
    f = await sdkFixture();
    provider = await f.registerProviderAccount(1);
    domain = { chainId: f.chain.id, escrow: f.deployment.contracts.SessionEscrow.address };
  });
  after(async () => {
    await f.connection.close();
  });

  /** An accepted session whose vouchers `signer` signs, and its first voucher. */
  async function session(i: number, signer: Address): Promise<UsageVoucher> {
    const client = f.clientFor(i);
    await f.fund(client.account!.address);
    const opened = await client.openSession({
      provider: provider.address,
      wgPublicKey: generateWgKeyPair().publicKey,
      signer,
      deposit: USD(5),
      maxPricePerGiB: 50_000n,
      maxPricePerMinute: 120n,
    });
    await provider.client.acceptSession({ sessionId: opened.sessionId, tunnelAddress: `10.77.0.${i}/16` });
    const terms = hashVoucherTerms(opened);
    return { sessionId: opened.sessionId, terms, bytes: 1n << 20n, seconds: 60n };
  }

  /** [the SDK's verdict, the escrow's verdict] for `signature` as `signer`'s. */
  async function verdicts(voucher: UsageVoucher, signer: Address, signature: Hex): Promise<[boolean, boolean]> {
    const sdk = await verifyUsageVoucher({
      domain,
      voucher,
      signature,
      signer,
      erc1271: (who, hash, sig) =>
        isValidErc1271Signature(f.publicClient, { signer: who, hash, signature: sig, caller: domain.escrow }),
    });
    const escrow = await f.publicClient
      .simulateContract({
        address: domain.escrow,
        abi: sessionEscrowAbi,
        functionName: "claim",
        args: [voucher.sessionId, voucher.bytes, voucher.seconds, signature],
        account: provider.address,
      })
      .then(
        () => true,
        (err: unknown) => {
          assert.match(String(err), /EscrowInvalidSignature/, "refused for its signature, nothing else");
          return false;
        },
      );
    return [sdk, escrow];
  }

  const sign = (account: PrivateKeyAccount, voucher: UsageVoucher) => signUsageVoucher({ account, domain, voucher });

  it("an EOA signer: its own signature only, with v 27/28 and low s", async () => {
    const signer = privateKeyToAccount(generatePrivateKey());
    const voucher = await session(2, signer.address);
    const good = await sign(signer, voucher);
    const cases: [string, Hex, boolean][] = [
      ["its signature", good, true],
      ["another key's", await sign(privateKeyToAccount(generatePrivateKey()), voucher), false],
      ["v as 0/1", lowV(good), false],
      ["high s", highS(good), false],
    ];
    for (const [what, sig, expected] of cases) {
      assert.deepEqual(await verdicts(voucher, signer.address, sig), [expected, expected], what);
    }
  });

  it("an ERC-1271 wallet: what the wallet accepts, nothing else", async () => {
    const owner = privateKeyToAccount(generatePrivateKey());
    const wallet = await f.connection.viem.deployContract("MockERC1271Wallet", [owner.address]);
    const voucher = await session(3, wallet.address);
    const good = await sign(owner, voucher);
    const cases: [string, Hex, boolean][] = [
      ["the owner's signature", good, true],
      ["another key's", await sign(privateKeyToAccount(generatePrivateKey()), voucher), false],
      ["the owner's, high s (the wallet refuses it too)", highS(good), false],
    ];
    for (const [what, sig, expected] of cases) {
      assert.deepEqual(await verdicts(voucher, wallet.address, sig), [expected, expected], what);
    }
  });

  it("an EOA delegated under EIP-7702: its key's signature, and what its delegate's code accepts", async () => {
    const key = generatePrivateKey();
    const eoa = privateKeyToAccount(key);
    const owner = privateKeyToAccount(generatePrivateKey());
    const delegate = await f.connection.viem.deployContract("MockERC1271Wallet", [owner.address]);
    await f.networkHelpers.setBalance(eoa.address, 10n ** 18n);
    const self = createWalletClient({ account: eoa, chain: f.chain, transport: f.transport });
    const authorization = await self.signAuthorization({ contractAddress: delegate.address, executor: "self" });
    await f.publicClient.waitForTransactionReceipt({
      hash: await self.sendTransaction({ to: zeroAddress, authorizationList: [authorization] }),
    });
    const code = await f.publicClient.getCode({ address: eoa.address });
    assert.equal(code?.toLowerCase(), concat(["0xef0100", delegate.address]).toLowerCase(), "delegated");
    const voucher = await session(4, eoa.address);
    const cases: [string, Hex, boolean][] = [
      ["its own key's signature, whatever its code", await sign(eoa, voucher), true],
      ["the delegate's owner's (ERC-1271 through the delegation)", await sign(owner, voucher), true],
      ["another key's", await sign(privateKeyToAccount(generatePrivateKey()), voucher), false],
    ];
    for (const [what, sig, expected] of cases) {
      assert.deepEqual(await verdicts(voucher, eoa.address, sig), [expected, expected], what);
    }
  });

  it("an account without code answers no ERC-1271 question", async () => {
    const nobody = privateKeyToAccount(generatePrivateKey()).address;
    assert.equal(
      await isValidErc1271Signature(f.publicClient, {
        signer: nobody,
        hash: `0x${"11".repeat(32)}`,
        signature: "0x00",
      }),
      false,
    );
  });
});
