/**
 * Choosing a two-hop pair on the in-process chain: never one operator for both hops, by default
 * never one region, and a clear error (before any session is opened) when no pair qualifies.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { sdkFixture, type SdkFixture } from "../../test/fixture.ts";
import { HopPairError, pickHopPair } from "./pickHopPair.ts";

describe("pickHopPair", () => {
  let f: SdkFixture;
  type P = Awaited<ReturnType<SdkFixture["registerProviderAccount"]>>;
  let nlCheap: P;
  let nlDear: P;
  before(async () => {
    f = await sdkFixture();
    nlCheap = await f.registerProviderAccount(1, { pricePerGiB: 1_000n, pricePerMinute: 60n, region: "NL" });
    nlDear = await f.registerProviderAccount(2, { pricePerGiB: 2_000n, pricePerMinute: 60n, region: "NL" });
  });
  after(async () => {
    await f.connection.close();
  });

  it("refuses one region unless allowed, saying so before any money moves", async () => {
    const client = f.clientFor(5);
    const caps = { maxPricePerGiB: 5_000n };
    await assert.rejects(
      pickHopPair(client, { entry: caps, exit: { ...caps, region: "NL" } }),
      (err: unknown) =>
        err instanceof HopPairError &&
        /--same-region/.test(err.shortMessage) &&
        /nothing was opened/.test(err.shortMessage),
    );
    const same = await pickHopPair(client, { entry: caps, exit: { ...caps, region: "NL" }, sameRegion: true });
    assert.equal(same.exit.address, nlCheap.address);
    assert.equal(same.entry.address, nlDear.address, "the entry must be another operator");
    // No session was opened by the refused attempt.
    assert.equal(await client.publicClient.getTransactionCount({ address: client.account!.address }), 0);
  });

  it("takes the entry from another region when one qualifies, and fails plainly with one provider", async () => {
    const client = f.clientFor(5);
    const de = await f.registerProviderAccount(3, { pricePerGiB: 3_000n, pricePerMinute: 60n, region: "DE" });
    const pair = await pickHopPair(client, {
      entry: { maxPricePerGiB: 5_000n },
      exit: { region: "NL", maxPricePerGiB: 5_000n },
    });
    assert.deepEqual(pair, {
      entry: { address: de.address, region: "DE" },
      exit: { address: nlCheap.address, region: "NL" },
    });
    await assert.rejects(
      pickHopPair(client, {
        entry: { region: "DE", maxPricePerGiB: 5_000n },
        exit: { region: "DE", maxPricePerGiB: 5_000n },
      }),
      (err: unknown) => err instanceof HopPairError && /two providers of different operators/.test(err.shortMessage),
    );
  });
});
