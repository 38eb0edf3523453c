/**
 * A provider's session events read through the adaptive fetcher equal what viem's own
 * getContractEvents returns for the same provider (typed arguments, chain order), and no other
 * provider's events come along.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { sessionEscrowAbi } from "../abi/index.ts";
import { signUsageVoucher, hashVoucherTerms } from "../vouchers/usage.ts";
import { generateWgKeyPair } from "../wireguard/keys.ts";
import { USD, sdkFixture, type SdkFixture } from "../../test/fixture.ts";
import { createProviderEventReader, PROVIDER_SESSION_EVENTS } from "./createProviderEventReader.ts";

describe("createProviderEventReader", () => {
  let f: SdkFixture;
  before(async () => {
    f = await sdkFixture();
  });
  after(async () => {
    await f.connection.close();
  });

  it("reads one provider's session events, typed and in chain order, in small ranges", async () => {
    const a = await f.registerProviderAccount(1);
    const b = await f.registerProviderAccount(2);
    const escrow = f.deployment.contracts.SessionEscrow.address;
    const from = await f.publicClient.getBlockNumber();
    for (const [i, p] of [
      [3, a],
      [4, b],
      [5, a],
    ] as const) {
      const client = f.clientFor(i);
      await f.fund(client.account!.address);
      const signer = privateKeyToAccount(generatePrivateKey());
      const opened = await client.openSession({
        provider: p.address,
        wgPublicKey: generateWgKeyPair().publicKey,
        signer: signer.address,
        deposit: USD(5),
        maxPricePerGiB: 50_000n,
        maxPricePerMinute: 120n,
      });
      const { sessionId } = opened;
      await p.client.acceptSession({ sessionId, tunnelAddress: `10.77.0.${i}/16` });
      const voucher = { sessionId, terms: hashVoucherTerms(opened), bytes: 1n << 20n, seconds: 60n };
      const signature = await signUsageVoucher({ account: signer, domain: { chainId: f.chain.id, escrow }, voucher });
      await p.client.claimUsage({ sessionId, bytes: voucher.bytes, seconds: voucher.seconds, signature });
      await client.closeSession({ sessionId });
    }
    const to = await f.publicClient.getBlockNumber();
    const ranges: number[] = [];
    const reader = createProviderEventReader({
      rpc: f.publicClient,
      escrow,
      provider: a.address,
      maxBlockRange: 3,
      onRange: (r) => ranges.push(r),
    });
    const events = await reader.read(from, to);
    const expected = (
      await f.publicClient.getContractEvents({ address: escrow, abi: sessionEscrowAbi, fromBlock: from, toBlock: to })
    ).filter(
      (e) =>
        (PROVIDER_SESSION_EVENTS as readonly string[]).includes(e.eventName) &&
        "provider" in e.args &&
        e.args.provider === a.address,
    );
    assert.deepEqual(
      events.map((e) => e.eventName),
      [1, 2].flatMap(() => ["SessionOpened", "SessionAccepted", "UsageClaimed", "SessionClosed"]),
      "both of a's sessions, nothing of b's",
    );
    assert.deepEqual(
      events.map((e) => [e.eventName, e.blockNumber, e.logIndex, e.args]),
      expected.map((e) => [e.eventName, e.blockNumber, e.logIndex, e.args]),
    );
    assert.ok(ranges.length > 0 && ranges.every((r) => r <= 3), `ranges ${ranges.join(",")}`);
    // Typed: the compiler narrows args by event name.
    const opened = events.find((e) => e.eventName === "SessionOpened");
    assert.ok(opened?.eventName === "SessionOpened" && opened.args.deposit === USD(5));
  });
});
