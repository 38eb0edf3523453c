/**
 * Concurrent writes from one locally signing account: with `serializeSends` each write is
 * broadcast after the previous one, so every transaction takes the next nonce and all of them
 * are mined, while their receipts are awaited together.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { sdkFixture } from "../../test/fixture.ts";
import { createDvpnClient } from "../client/createDvpnClient.ts";

describe("writes with serializeSends", () => {
  it("eight concurrent writes from one local account are all mined with consecutive nonces", async () => {
    const f = await sdkFixture();
    const account = privateKeyToAccount(generatePrivateKey());
    await f.connection.provider.request({
      method: "hardhat_setBalance",
      params: [account.address, `0x${parseEther("10").toString(16)}`],
    });
    const client = createDvpnClient({
      chain: f.chain,
      transport: f.transport,
      account,
      deployment: f.deployment,
      pollingInterval: 20,
      serializeSends: true,
    });
    const results = await Promise.all(Array.from({ length: 8 }, () => client.delegateVotes()));
    const nonces = await Promise.all(
      results.map(async (r) => (await f.publicClient.getTransaction({ hash: r.hash })).nonce),
    );
    assert.deepEqual(
      nonces.sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.ok(results.every((r) => r.receipt.status === "success"));
    assert.equal(await f.publicClient.getTransactionCount({ address: account.address }), 8);
  });
});
