import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ContractRevertError } from "../../errors/contract.ts";
import { AccountRequiredError, InvalidInputError } from "../../errors/input.ts";
import { generateWgKeyPair } from "../../wireguard/keys.ts";
import { DVPN, sdkFixture, type SdkFixture } from "../../../test/fixture.ts";

describe("provider actions", () => {
  let f: SdkFixture;
  before(async () => {
    f = await sdkFixture();
  });
  after(async () => {
    await f.connection.close();
  });

  it("registerProvider signs a permit when there is no allowance and returns the stake", async () => {
    const client = f.clientFor(1);
    await f.fund(client.account!.address);
    const keys = generateWgKeyPair();
    const r = await client.registerProvider({
      endpoint: "vpn.example.org:51820",
      wgPublicKey: keys.publicKey,
      region: "de",
      pricePerGiB: 50_000n,
      pricePerMinute: 100n,
      maxSessions: 8,
      stake: DVPN(1_500),
    });
    assert.equal(r.receipt.status, "success");
    assert.equal(r.stake, DVPN(1_500));
    assert.equal(r.provider, client.account!.address);
    const p = await client.getProvider({ provider: client.account!.address });
    assert.equal(p.registered, true);
    assert.equal(p.region, "DE");
    assert.equal(p.wgPublicKeyBase64, keys.publicKey);
    assert.equal(p.endpoint, "vpn.example.org:51820");
    assert.equal(p.maxSessions, 8);
    assert.equal(await client.isProviderAvailable({ provider: client.account!.address }), true);
  });

  it("rejects malformed input before sending anything", async () => {
    const client = f.clientFor(2);
    const base = {
      endpoint: "vpn.example.org:51820",
      wgPublicKey: generateWgKeyPair().publicKey,
      region: "DE",
      pricePerGiB: 1n,
      pricePerMinute: 1n,
      maxSessions: 1,
      stake: DVPN(1_000),
    };
    const blockBefore = await f.publicClient.getBlockNumber();
    const cases: [Partial<typeof base>, string][] = [
      [{ region: "Germany" }, "region"],
      [{ region: "D1" }, "region"],
      [{ wgPublicKey: "not-a-key" }, "wgPublicKey"],
      [{ wgPublicKey: Buffer.alloc(31).toString("base64") }, "wgPublicKey"],
      [{ endpoint: "no-port" }, "endpoint"],
      [{ endpoint: "host:70000" }, "endpoint"],
      [{ maxSessions: 0 }, "maxSessions"],
      [{ stake: -1n }, "stake"],
      [{ pricePerGiB: 1n << 96n }, "pricePerGiB"],
      [{ pricePerGiB: 1n << 64n }, "pricePerGiB"],
      [{ pricePerMinute: 1n << 64n }, "pricePerMinute"],
    ];
    for (const [patch, field] of cases) {
      await assert.rejects(
        client.registerProvider({ ...base, ...patch }),
        (e: unknown) => e instanceof InvalidInputError && e.field === field,
        `expected InvalidInputError on ${field} for ${JSON.stringify(patch, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`,
      );
    }
    await assert.rejects(
      client.getProvider({ provider: "0x123" as `0x${string}` }),
      (e: unknown) => e instanceof InvalidInputError && e.field === "provider",
    );
    assert.equal(await f.publicClient.getBlockNumber(), blockBefore, "no transaction was mined");
  });

  it("decodes a revert into a named error with args and a human message", async () => {
    const client = f.clientFor(3);
    await f.fund(client.account!.address);
    const err = await client
      .registerProvider({
        endpoint: "vpn.example.org:51820",
        wgPublicKey: generateWgKeyPair().publicKey,
        region: "FR",
        pricePerGiB: 1n,
        pricePerMinute: 1n,
        maxSessions: 1,
        stake: DVPN(10),
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ContractRevertError, String(err));
    assert.equal(err.errorName, "RegistryStakeBelowMinimum");
    assert.deepEqual(err.args, [DVPN(10), DVPN(1_000)]);
    assert.match(err.shortMessage, /stake 10000000000000000000 is below the minimum stake 1000000000000000000000/);
    assert.ok(err.walk() instanceof Error);
  });

  it("a read-only client refuses writes with AccountRequiredError", async () => {
    await assert.rejects(f.readOnly.sendHeartbeat(), AccountRequiredError);
  });

  it("setPrices, updateProvider, pause/unpause, heartbeat and stake changes", async () => {
    const { client, address } = await f.registerProviderAccount(4);
    await client.setPrices({ pricePerGiB: 40_000n, pricePerMinute: 80n });
    await client.updateProvider({ endpoint: "[2001:db8::1]:51820", maxSessions: 2 });
    let p = await client.getProvider({ provider: address });
    assert.equal(p.pricePerGiB, 40_000n);
    assert.equal(p.pricePerMinute, 80n);
    assert.equal(p.endpoint, "[2001:db8::1]:51820");
    assert.equal(p.maxSessions, 2);
    assert.equal(p.region, "DE", "fields left out keep their values");

    await client.pauseProvider();
    assert.equal(await client.isProviderAvailable({ provider: address }), false);
    const again = await client.pauseProvider().catch((e: unknown) => e);
    assert.ok(again instanceof ContractRevertError && again.errorName === "RegistryAlreadyPaused");
    await client.unpauseProvider();
    assert.equal(await client.isProviderAvailable({ provider: address }), true);

    await f.networkHelpers.time.increase(600);
    const hb = await client.sendHeartbeat();
    p = await client.getProvider({ provider: address });
    const block = await f.publicClient.getBlock({ blockNumber: hb.receipt.blockNumber });
    assert.equal(p.lastHeartbeat, Number(block.timestamp));

    const added = await client.addStake({ amount: DVPN(500) });
    assert.equal(added.stake, DVPN(1_500));
    const unstake = await client.requestUnstake({ amount: DVPN(500) });
    assert.equal(unstake.unbonding, DVPN(500));
    assert.equal(unstake.deregistered, false);
    const early = await client.withdrawStake().catch((e: unknown) => e);
    assert.ok(early instanceof ContractRevertError && early.errorName === "RegistryUnbondingNotOver");
    assert.match(early.shortMessage, /unbonding ends at \d{4}-/);
    await f.networkHelpers.time.increase(86_401);
    const w = await client.withdrawStake();
    assert.equal(w.amount, DVPN(500));
    const all = await client.requestUnstake({ amount: DVPN(1_000) });
    assert.equal(all.deregistered, true);
    assert.equal((await client.getProvider({ provider: address })).registered, false);
  });
});
