import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BrowserProvider, Wallet } from "ethers";
import { verifyMessage } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createDvpnClient } from "../client/createDvpnClient.ts";
import { ContractRevertError } from "../errors/contract.ts";
import { InvalidInputError } from "../errors/input.ts";
import { generateWgKeyPair } from "../wireguard/keys.ts";
import { DVPN, USD, sdkFixture, type SdkFixture } from "../../test/fixture.ts";
import { ethersTransport, fromEthers } from "./ethers.ts";

describe("ethers v6 adapter", () => {
  let f: SdkFixture;
  before(async () => {
    f = await sdkFixture();
  });
  after(async () => {
    await f.connection.close();
  });

  it("an ethers Wallet registers with a permit, opens a session and reads through the SDK", async () => {
    const provider = new BrowserProvider(f.connection.provider);
    const wallet = new Wallet(generatePrivateKey(), provider);
    await f.fund(wallet.address as `0x${string}`);
    await f.networkHelpers.setBalance(wallet.address, 10n ** 19n);
    const client = createDvpnClient({
      chain: f.chain,
      deployment: f.deployment,
      pollingInterval: 20,
      ...(await fromEthers({ signer: wallet })),
    });
    assert.equal(client.account?.address, wallet.address);
    const r = await client.registerProvider({
      endpoint: "ethers.example.org:51820",
      wgPublicKey: generateWgKeyPair().publicKey,
      region: "NL",
      pricePerGiB: 10n,
      pricePerMinute: 1n,
      maxSessions: 2,
      stake: DVPN(1_000),
    });
    assert.equal(r.stake, DVPN(1_000));
    const p = await client.getProvider({ provider: wallet.address as `0x${string}` });
    assert.equal(p.region, "NL");

    const buyer = new Wallet(generatePrivateKey(), provider);
    await f.fund(buyer.address as `0x${string}`);
    await f.networkHelpers.setBalance(buyer.address, 10n ** 19n);
    const buyerClient = createDvpnClient({
      chain: f.chain,
      deployment: f.deployment,
      pollingInterval: 20,
      ...(await fromEthers({ signer: buyer })),
    });
    const opened = await buyerClient.openSession({
      provider: wallet.address as `0x${string}`,
      wgPublicKey: generateWgKeyPair().publicKey,
      signer: privateKeyToAccount(generatePrivateKey()).address,
      deposit: USD(2),
      maxPricePerGiB: 10n,
      maxPricePerMinute: 1n,
    });
    assert.equal((await buyerClient.getSession({ sessionId: opened.sessionId })).client, buyer.address);

    const signed = await buyerClient.walletClient!.signMessage({ account: buyerClient.account!, message: "dvpn" });
    assert.equal(
      await verifyMessage({ address: buyer.address as `0x${string}`, message: "dvpn", signature: signed }),
      true,
    );

    const err = await buyerClient.pauseProvider().catch((e: unknown) => e);
    assert.ok(err instanceof ContractRevertError && err.errorName === "RegistryNotRegistered");
  });

  it("refuses a provider that cannot forward JSON-RPC", () => {
    assert.throws(() => ethersTransport({} as never), InvalidInputError);
  });
});
