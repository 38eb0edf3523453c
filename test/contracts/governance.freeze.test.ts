/**
 * "Governance can always pass a proposal with the votes that exist." The review froze it by
 * raising the quorum to 50 % of the total supply while most tokens sat in the registry, where
 * they can never vote; a timelock delay of 0 and changes of the governor's own timelock or
 * roles were within bounds too. Here: the quorum is a fraction of the delegated supply, the
 * timelock and its roles cannot be changed by a proposal, and its delay is at least 1 minute.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeFunctionData, keccak256, toBytes, zeroAddress, type Abi, type Address } from "viem";
import { dvpnGovernorAbi, dvpnTimelockAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { loadFixture, type Fixture, type Wallet } from "./fixture.ts";
import { DVPN, assertRevert, createPrng, registerProvider } from "./helpers.ts";

type Call = { target: Address; abi: Abi; functionName: string; args: readonly unknown[] };
const SUCCEEDED = 4;
const DEFEATED = 3;

/** Proposes `calls` as `voter`, votes for with `voter` only, and returns the state after the vote. */
async function vote(f: Fixture, voter: Wallet, calls: Call[], description: string) {
  const targets = calls.map((c) => c.target);
  const calldatas = calls.map((c) =>
    encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args } as never),
  );
  const values = calls.map(() => 0n);
  const gov = f.as(voter).governor;
  await f.mined(gov.write.propose([targets, values, calldatas, description]));
  const id = await f.governor.read.hashProposal([targets, values, calldatas, keccak256(toBytes(description))]);
  await f.networkHelpers.time.increase(61n);
  await f.mined(gov.write.castVote([id, 1]));
  await f.networkHelpers.time.increase(301n);
  const state = await f.governor.read.state([id]);
  const execute = async () => {
    await f.mined(gov.write.queue([targets, values, calldatas, keccak256(toBytes(description))]));
    await f.networkHelpers.time.increase(61n);
    return gov.write.execute([targets, values, calldatas, keccak256(toBytes(description))]);
  };
  return { id, state, execute };
}

const gov = (f: Fixture, functionName: string, args: readonly unknown[]): Call => ({
  target: f.governor.address,
  abi: dvpnGovernorAbi,
  functionName,
  args,
});
const tl = (f: Fixture, functionName: string, args: readonly unknown[]): Call => ({
  target: f.timelock.address,
  abi: dvpnTimelockAbi,
  functionName,
  args,
});

describe("governance cannot freeze itself", () => {
  it("attack: quorum at its maximum and 90 % of the supply staked: the votes that exist still pass a proposal", async () => {
    const f = await loadFixture();
    const [alice, bob] = f.users as [Wallet, Wallet];
    await f.mined(f.token.write.delegate([f.deployer.account.address]));
    const raise = await vote(f, f.deployer, [gov(f, "updateQuorumNumerator", [50n])], "quorum 50%");
    assert.equal(raise.state, SUCCEEDED);
    await f.mined(raise.execute());
    // 90 % of the supply goes into the registry, where it can never vote.
    const supply = await f.token.read.totalSupply();
    await f.mined(f.token.write.transfer([alice.account.address, (supply * 9n) / 10n]));
    await registerProvider(f, alice, { stake: (supply * 9n) / 10n });
    await f.networkHelpers.time.increase(1n);
    const delegated = await f.token.read.delegatedSupply();
    assert.ok(delegated < supply / 10n, "what remains delegated is under a tenth of the supply");
    assert.ok(delegated * 2n < supply / 2n, "50 % of the total supply could no longer be reached");
    const fee = await vote(
      f,
      f.deployer,
      [{ target: f.escrow.address, abi: sessionEscrowAbi, functionName: "setProtocolFeeBps", args: [100n] }],
      "fee 1%",
    );
    assert.equal(fee.state, SUCCEEDED, "the remaining votes reach the quorum");
    await f.mined(fee.execute());
    assert.equal(await f.escrow.read.protocolFeeBps(), 100);
    // A voter below the quorum of what is delegated is still defeated: the quorum means something.
    await f.mined(f.token.write.transfer([bob.account.address, DVPN(1)]));
    await f.mined(f.as(bob).token.write.delegate([bob.account.address]));
    await f.networkHelpers.time.increase(1n);
    const small = await vote(f, bob, [gov(f, "updateQuorumNumerator", [4n])], "bob alone");
    assert.equal(small.state, DEFEATED);
  });

  it("a proposal cannot replace the timelock, change its roles or set its delay to 0", async () => {
    const f = await loadFixture();
    await f.mined(f.token.write.delegate([f.deployer.account.address]));
    const proposer = await f.timelock.read.PROPOSER_ROLE();
    const cases: [Call, string, readonly unknown[]][] = [
      [gov(f, "updateTimelock", [zeroAddress]), "GovernorTimelockFixed", []],
      [tl(f, "revokeRole", [proposer, f.governor.address]), "TimelockRolesFixed", []],
      [tl(f, "grantRole", [proposer, f.deployer.account.address]), "TimelockRolesFixed", []],
      [tl(f, "renounceRole", [proposer, f.timelock.address]), "TimelockRolesFixed", []],
      [tl(f, "updateDelay", [0n]), "TimelockDelayOutOfBounds", [0n, 60n, 30n * 86_400n]],
    ];
    for (const [i, [call, error, args]] of cases.entries()) {
      const run = await vote(f, f.deployer, [call], `freeze attempt ${i}`);
      assert.equal(run.state, SUCCEEDED);
      await assertRevert(run.execute(), error, args);
    }
    assert.equal(await f.timelock.read.hasRole([proposer, f.governor.address]), true, "the governor still proposes");
  });

  it("invariant: over random transfers, delegations and stakes, delegated supply == Σ votes and quorum ≤ it", async () => {
    const f = await loadFixture();
    const rng = createPrng(20261204n);
    const wallets = [f.deployer, ...(f.users.slice(0, 5) as Wallet[])];
    const addresses = wallets.map((w) => w.account.address);
    await f.mined(f.token.write.delegate([f.deployer.account.address]));
    await registerProvider(f, wallets[1]!, { stake: DVPN(5_000) });
    for (let step = 0; step < 60; step++) {
      const w = rng.pick(wallets);
      const roll = rng.below(4);
      const t = f.as(w).token;
      if (roll === 0) await f.mined(t.write.delegate([rng.pick([...addresses, zeroAddress])]));
      else if (roll === 1) {
        const bal = await t.read.balanceOf([w.account.address]);
        if (bal > 0n) await f.mined(t.write.transfer([rng.pick(addresses), rng.between(1n, bal)]));
      } else if (roll === 2 && w === wallets[1]) {
        await f.mined(f.as(w).registry.write.addStake([DVPN(1) * rng.between(1n, 50n)]));
      } else await f.networkHelpers.time.increase(rng.between(1n, 100n));
      let votes = 0n;
      for (const a of addresses) votes += await f.token.read.getVotes([a]);
      assert.equal(await f.token.read.delegatedSupply(), votes, `step ${step}: delegated supply == Σ votes`);
      await f.networkHelpers.mine();
      const at = (await f.publicClient.getBlock()).timestamp - 1n;
      const quorum = await f.governor.read.quorum([at]);
      assert.ok(quorum <= (await f.token.read.getPastDelegatedSupply([at])), `step ${step}: quorum ≤ the votes`);
    }
  });
});
