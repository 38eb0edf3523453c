import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { generateWgKeyPair } from "../wireguard/keys.ts";
import { USD, sdkFixture, type SdkFixture } from "../../test/fixture.ts";
import { streamVouchers, type Usage } from "./streamVouchers.ts";

describe("streamVouchers", () => {
  let f: SdkFixture;
  let provider: Awaited<ReturnType<SdkFixture["registerProviderAccount"]>>;
  before(async () => {
    f = await sdkFixture();
    provider = await f.registerProviderAccount(1, { pricePerGiB: 1_000_000n, pricePerMinute: 60n });
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
      maxPricePerGiB: 1_000_000n,
      maxPricePerMinute: 60n,
    });
    await provider.client.acceptSession({ sessionId: opened.sessionId, tunnelAddress: "10.77.0.9/16" });
    const terms = { pricePerGiB: opened.pricePerGiB, pricePerMinute: opened.pricePerMinute, deposit: opened.deposit };
    return { client, signer, sessionId: opened.sessionId, terms };
  }

  it("sends monotonic vouchers the escrow accepts, survives a counter reset and a failed delivery", async () => {
    const { client, signer, sessionId, terms } = await openAccepted(2);
    const readings: Usage[] = [
      { bytes: 1_000n, seconds: 1n },
      { bytes: 5_000n, seconds: 2n },
      { bytes: 10n, seconds: 3n }, // counters reset: bytes must not go back
      { bytes: 10n, seconds: 3n }, // nothing new: nothing signed
      { bytes: 9_000n, seconds: 4n }, // delivery fails once
      { bytes: 9_500n, seconds: 5n },
    ];
    const sent: (Usage & { signature: Hex })[] = [];
    let failNext = false;
    const controller = new AbortController();
    let n = 0;
    const result = await streamVouchers(client, {
      sessionId,
      signer,
      terms,
      intervalMs: 1,
      signal: controller.signal,
      readUsage: async () => {
        const r = readings[Math.min(n, readings.length - 1)]!;
        n++;
        failNext = n === 5;
        if (n >= readings.length) controller.abort();
        return r;
      },
      send: async (v) => {
        if (failNext) throw new Error("agent unreachable");
        sent.push(v);
      },
    });
    assert.equal(result.reason, "aborted");
    assert.deepEqual(
      sent.map((v) => [v.bytes, v.seconds]),
      [
        [1_000n, 1n],
        [5_000n, 2n],
        [5_000n, 3n],
        [9_500n, 5n],
      ],
    );
    assert.deepEqual(result.delivered, { bytes: 9_500n, seconds: 5n });
    // The last voucher is what the provider claims: the escrow verifies it.
    const last = sent.at(-1)!;
    const claim = await provider.client.claimUsage({
      sessionId,
      bytes: last.bytes,
      seconds: last.seconds,
      signature: last.signature,
    });
    assert.ok(claim.amount > 0n);
  });

  it("stops when the cost reaches the share of the deposit", async () => {
    const { client, signer, sessionId, terms } = await openAccepted(3);
    let seconds = 0n;
    const result = await streamVouchers(client, {
      sessionId,
      signer,
      terms,
      intervalMs: 1,
      closeAtPercent: 50,
      readUsage: async () => ({ bytes: 0n, seconds: (seconds += 100_000n) }), // 1 unit per second at 60/min
      send: async () => undefined,
    });
    assert.equal(result.reason, "deposit");
    assert.ok(result.delivered.seconds >= 500_000n && result.delivered.seconds < 600_000n);
  });
});
