import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dvpnTokenAbi } from "../../sdk/src/abi/index.ts";
import { loadFixture, type Wallet } from "./fixture.ts";
import { DVPN, USD, assertEvent, now, signPermit } from "./helpers.ts";

async function setup() {
  const f = await loadFixture();
  const [alice, bob] = f.users as [Wallet, Wallet];
  return { f, alice, bob };
}

describe("DVPNToken", () => {
  it("constructor: mints the whole supply to the recipient", async () => {
    const { f } = await setup();
    const supply = BigInt(f.parameters.tokenSupply);
    assert.equal(await f.token.read.totalSupply(), supply);
    assert.equal(await f.token.read.name(), "dvpn");
    assert.equal(await f.token.read.symbol(), "DVPN");
    assert.equal(await f.token.read.decimals(), 18);
    // The fixture handed 100k to each of 10 users.
    assert.equal(await f.token.read.balanceOf([f.deployer.account.address]), supply - 10n * DVPN(100_000));
  });

  it("MockStablecoin: a 6-decimal token anyone can mint (local use only)", async () => {
    const { f, alice } = await setup();
    assert.equal(await f.usd.read.decimals(), 6);
    const before = await f.usd.read.balanceOf([alice.account.address]);
    await f.mined(f.as(alice).usd.write.mint([alice.account.address, USD(3)]));
    assert.equal(await f.usd.read.balanceOf([alice.account.address]), before + USD(3));
  });

  it("clock: ERC-6372 timestamp mode", async () => {
    const { f } = await setup();
    assert.equal(await f.token.read.CLOCK_MODE(), "mode=timestamp");
    assert.equal(BigInt(await f.token.read.clock()), await now(f));
  });

  it("delegate: votes follow delegation and transfers, checkpointed by timestamp", async () => {
    const { f, alice, bob } = await setup();
    const a = alice.account.address;
    assert.equal(await f.token.read.getVotes([a]), 0n, "undelegated balances do not vote");
    const receipt = await f.mined(f.as(alice).token.write.delegate([a]));
    assertEvent(dvpnTokenAbi, f.token.address, receipt, "DelegateVotesChanged", {
      delegate: a,
      previousVotes: 0n,
      newVotes: DVPN(100_000),
    });
    const t1 = await now(f);
    await f.networkHelpers.time.increase(10);
    await f.mined(f.as(alice).token.write.transfer([bob.account.address, DVPN(40_000)]));
    const t2 = await now(f);
    await f.networkHelpers.time.increase(10);
    assert.equal(await f.token.read.getVotes([a]), DVPN(60_000));
    assert.equal(await f.token.read.getPastVotes([a, t1]), DVPN(100_000));
    assert.equal(await f.token.read.getPastVotes([a, t2]), DVPN(60_000));
    assert.equal((await f.token.read.delegates([a])).toLowerCase(), a.toLowerCase());
  });

  it("permit: an EIP-2612 signature sets the allowance and uses the nonce", async () => {
    const { f, alice, bob } = await setup();
    const a = alice.account.address;
    const deadline = (await now(f)) + 600n;
    const { v, r, s } = await signPermit(
      f,
      alice,
      { address: f.token.address, name: "dvpn" },
      { spender: bob.account.address, value: USD(1), nonce: 0n, deadline },
    );
    await f.mined(f.as(bob).token.write.permit([a, bob.account.address, USD(1), deadline, v, r, s]));
    assert.equal(await f.token.read.allowance([a, bob.account.address]), USD(1));
    assert.equal(await f.token.read.nonces([a]), 1n);
  });
});
