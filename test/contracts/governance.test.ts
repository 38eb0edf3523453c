import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeFunctionData, keccak256, stringToHex, toBytes, type Abi, type Address, type Hex } from "viem";
import { dvpnGovernorAbi, dvpnTimelockAbi, providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { loadFixture, type Fixture, type Wallet } from "./fixture.ts";
import { DVPN, assertEvent, assertRevert, registerProvider, revertOf } from "./helpers.ts";

const name = (n: string): Hex => stringToHex(n, { size: 32 });
const VOTING_DELAY = 60n;
const VOTING_PERIOD = 300n;
const TIMELOCK_DELAY = 60n;
const DAY = 86_400n;
/** Governor ProposalState values. */
const State = { Pending: 0, Active: 1, Canceled: 2, Defeated: 3, Succeeded: 4, Queued: 5, Expired: 6, Executed: 7 };

interface Call {
  target: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/** Runs a proposal through propose → vote → queue → timelock delay; returns its id and an `execute`. */
async function passProposal(f: Fixture, calls: Call[], description: string, voter: Wallet = f.deployer) {
  const targets = calls.map((c) => c.target);
  const values = calls.map(() => 0n);
  const calldatas = calls.map((c) =>
    encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args } as never),
  );
  const descriptionHash = keccak256(toBytes(description));
  const gov = f.as(voter).governor;
  const proposed = await f.mined(gov.write.propose([targets, values, calldatas, description]));
  const proposalId = await f.governor.read.hashProposal([targets, values, calldatas, descriptionHash]);
  assert.equal(await f.governor.read.state([proposalId]), State.Pending);
  await f.networkHelpers.time.increase(VOTING_DELAY + 1n);
  assert.equal(await f.governor.read.state([proposalId]), State.Active);
  const voted = await f.mined(gov.write.castVote([proposalId, 1]));
  await f.networkHelpers.time.increase(VOTING_PERIOD + 1n);
  assert.equal(await f.governor.read.state([proposalId]), State.Succeeded);
  const queued = await f.mined(gov.write.queue([targets, values, calldatas, descriptionHash]));
  assert.equal(await f.governor.read.state([proposalId]), State.Queued);
  await f.networkHelpers.time.increase(TIMELOCK_DELAY + 1n);
  return {
    proposalId,
    proposed,
    voted,
    queued,
    execute: () => gov.write.execute([targets, values, calldatas, descriptionHash]),
  };
}

async function setup() {
  const f = await loadFixture();
  // The deployer holds almost the whole supply: delegating to itself clears the 4% quorum alone.
  await f.mined(f.token.write.delegate([f.deployer.account.address]));
  const [alice, bob] = f.users as [Wallet, Wallet];
  return { f, alice, bob };
}

const escrowCall = (f: Fixture, functionName: string, args: readonly unknown[]): Call => ({
  target: f.escrow.address,
  abi: sessionEscrowAbi,
  functionName,
  args,
});
const registryCall = (f: Fixture, functionName: string, args: readonly unknown[]): Call => ({
  target: f.registry.address,
  abi: providerRegistryAbi,
  functionName,
  args,
});
const governorCall = (f: Fixture, functionName: string, args: readonly unknown[]): Call => ({
  target: f.governor.address,
  abi: dvpnGovernorAbi,
  functionName,
  args,
});

describe("governance", () => {
  it("full cycle: delegate, propose, vote, queue, execute changes escrow.protocolFeeBps", async () => {
    const { f } = await setup();
    const deployer = f.deployer.account.address;
    const description = "Raise the protocol fee to 5%";
    const run = await passProposal(f, [escrowCall(f, "setProtocolFeeBps", [500n])], description);
    const proposedAt = (await f.publicClient.getBlock({ blockNumber: run.proposed.blockNumber })).timestamp;
    assertEvent(dvpnGovernorAbi, f.governor.address, run.proposed, "ProposalCreated", {
      proposalId: run.proposalId,
      proposer: deployer,
      targets: [f.escrow.address],
      values: [0n],
      signatures: [""],
      calldatas: [encodeFunctionData({ abi: sessionEscrowAbi, functionName: "setProtocolFeeBps", args: [500n] })],
      voteStart: proposedAt + VOTING_DELAY,
      voteEnd: proposedAt + VOTING_DELAY + VOTING_PERIOD,
      description,
    });
    assertEvent(dvpnGovernorAbi, f.governor.address, run.voted, "VoteCast", {
      voter: deployer,
      proposalId: run.proposalId,
      support: 1,
      weight: await f.token.read.balanceOf([deployer]),
      reason: "",
    });
    const queuedAt = (await f.publicClient.getBlock({ blockNumber: run.queued.blockNumber })).timestamp;
    assertEvent(dvpnGovernorAbi, f.governor.address, run.queued, "ProposalQueued", {
      proposalId: run.proposalId,
      etaSeconds: queuedAt + TIMELOCK_DELAY,
    });
    assert.equal(await f.escrow.read.protocolFeeBps(), 250, "nothing changes before execution");
    const receipt = await f.mined(run.execute());
    assertEvent(dvpnGovernorAbi, f.governor.address, receipt, "ProposalExecuted", { proposalId: run.proposalId });
    assertEvent(sessionEscrowAbi, f.escrow.address, receipt, "ParameterUpdated", {
      name: name("protocolFeeBps"),
      oldValue: 250n,
      newValue: 500n,
    });
    assert.equal(await f.escrow.read.protocolFeeBps(), 500);
    assert.equal(await f.governor.read.state([run.proposalId]), State.Executed);
  });

  it("cancel: the proposer cancels a pending proposal (ProposalCanceled); proposals need queuing", async () => {
    const { f } = await setup();
    const call = escrowCall(f, "setProtocolFeeBps", [100n]);
    const calldata = encodeFunctionData({ abi: call.abi, functionName: call.functionName, args: call.args } as never);
    const hash = keccak256(toBytes("to cancel"));
    await f.mined(f.governor.write.propose([[call.target], [0n], [calldata], "to cancel"]));
    const id = await f.governor.read.hashProposal([[call.target], [0n], [calldata], hash]);
    assert.equal(await f.governor.read.proposalNeedsQueuing([id]), true);
    const receipt = await f.mined(f.governor.write.cancel([[call.target], [0n], [calldata], hash]));
    assertEvent(dvpnGovernorAbi, f.governor.address, receipt, "ProposalCanceled", { proposalId: id });
    assert.equal(await f.governor.read.state([id]), State.Canceled);
  });

  it("execute: reverts before the timelock delay is over", async () => {
    const { f } = await setup();
    const calls = [escrowCall(f, "setAcceptTimeout", [600n])];
    const targets = calls.map((c) => c.target);
    const calldatas = calls.map((c) =>
      encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args } as never),
    );
    const description = "early";
    await f.mined(f.governor.write.propose([targets, [0n], calldatas, description]));
    const id = await f.governor.read.hashProposal([targets, [0n], calldatas, keccak256(toBytes(description))]);
    await f.networkHelpers.time.increase(VOTING_DELAY + 1n);
    await f.mined(f.governor.write.castVote([id, 1]));
    await f.networkHelpers.time.increase(VOTING_PERIOD + 1n);
    await f.mined(f.governor.write.queue([targets, [0n], calldatas, keccak256(toBytes(description))]));
    const { errorName } = await revertOf(
      f.governor.write.execute([targets, [0n], calldatas, keccak256(toBytes(description))]),
    );
    assert.equal(errorName, "TimelockUnexpectedOperationState");
    assert.equal(await f.escrow.read.acceptTimeout(), 300);
  });

  it("a proposal without quorum is defeated", async () => {
    const { f, alice } = await setup();
    // Alice's 100k DVPN is far below 4% of the supply, and the deployer does not vote.
    await f.mined(f.as(alice).token.write.delegate([alice.account.address]));
    const call = escrowCall(f, "setProtocolFeeBps", [0n]);
    const calldata = encodeFunctionData({ abi: call.abi, functionName: call.functionName, args: call.args } as never);
    await f.mined(f.as(alice).governor.write.propose([[call.target], [0n], [calldata], "no quorum"]));
    const id = await f.governor.read.hashProposal([[call.target], [0n], [calldata], keccak256(toBytes("no quorum"))]);
    await f.networkHelpers.time.increase(VOTING_DELAY + 1n);
    await f.mined(f.as(alice).governor.write.castVote([id, 1]));
    await f.networkHelpers.time.increase(VOTING_PERIOD + 1n);
    assert.equal(await f.governor.read.state([id]), State.Defeated);
  });

  it("an out-of-bounds value passes the vote but fails at execution", async () => {
    const { f } = await setup();
    const run = await passProposal(f, [escrowCall(f, "setProtocolFeeBps", [5000n])], "Fee 50%");
    await assertRevert(run.execute(), "EscrowParameterOutOfBounds", [name("protocolFeeBps"), 5000n, 0n, 1000n]);
    assert.equal(await f.governor.read.state([run.proposalId]), State.Queued);
    assert.equal(await f.escrow.read.protocolFeeBps(), 250);
  });

  it("slashing through governance pays the beneficiary; a slash above the budget is clamped to it", async () => {
    const { f, alice, bob } = await setup();
    await registerProvider(f, alice, { stake: DVPN(10_000) });
    const p = alice.account.address;
    const run = await passProposal(f, [registryCall(f, "slash", [p, DVPN(1001), bob.account.address])], "slash alice");
    const before = await f.token.read.balanceOf([bob.account.address]);
    const receipt = await f.mined(run.execute());
    assertEvent(providerRegistryAbi, f.registry.address, receipt, "ProviderSlashed", {
      provider: p,
      amount: DVPN(1000),
      beneficiary: bob.account.address,
      stake: DVPN(9000),
      unbonding: 0n,
    });
    assert.equal(await f.token.read.balanceOf([bob.account.address]), before + DVPN(1000));
  });

  it("attack: one proposal [setMaxSlashBps(5000), slash ×7] takes at most 50 % of the provider, not 99 %", async () => {
    const { f, alice, bob } = await setup();
    await registerProvider(f, alice, { stake: DVPN(10_000) });
    const p = alice.account.address;
    // The provider starts to leave during the vote: half its stake is unbonding (still slashable).
    await f.mined(f.as(alice).registry.write.requestUnstake([DVPN(5_000)]));
    const calls = [
      registryCall(f, "setMaxSlashBps", [5000n]),
      ...Array.from({ length: 7 }, () => registryCall(f, "slash", [p, DVPN(5_000), bob.account.address])),
    ];
    const run = await passProposal(f, calls, "take everything");
    await assertRevert(run.execute(), "RegistrySlashTooLarge", [DVPN(5_000), 0n]);
    // Six slashes the budget can pay: the attack's own shape runs only with what is left.
    const run2 = await passProposal(f, calls.slice(0, 2), "take half");
    await f.mined(run2.execute());
    const info = await f.registry.read.getProvider([p]);
    assert.equal(info.stake + info.unbonding, DVPN(5_000), "the provider keeps half, the most a period may take");
    const again = await passProposal(f, [registryCall(f, "slash", [p, 1n, bob.account.address])], "one more");
    await assertRevert(again.execute(), "RegistrySlashTooLarge", [1n, 0n]);
  });

  it("only the timelock holds power: deployer and users revert with the Unauthorized errors", async () => {
    const { f, alice, bob } = await setup();
    await registerProvider(f, alice);
    for (const w of [f.deployer, bob]) {
      const a = w.account.address;
      const c = f.as(w);
      await assertRevert(c.registry.write.slash([alice.account.address, 1n, a]), "RegistryUnauthorized", [a]);
      await assertRevert(c.registry.write.setMinStake([1n]), "RegistryUnauthorized", [a]);
      await assertRevert(c.escrow.write.setProtocolFeeBps([0n]), "EscrowUnauthorized", [a]);
      await assertRevert(c.escrow.write.setTreasury([a]), "EscrowUnauthorized", [a]);
      await assertRevert(c.timelock.write.updateDelay([0n]), "TimelockUnauthorizedCaller", [a]);
      await assertRevert(c.governor.write.setVotingPeriod([600]), "GovernorOnlyExecutor", [a]);
      await assertRevert(c.governor.write.updateQuorumNumerator([10n]), "GovernorOnlyExecutor", [a]);
      const proposer = keccak256(toBytes("PROPOSER_ROLE"));
      const zero: Hex = `0x${"00".repeat(32)}`;
      await assertRevert(
        c.timelock.write.schedule([f.escrow.address, 0n, "0x", zero, zero, TIMELOCK_DELAY]),
        "AccessControlUnauthorizedAccount",
        [a, proposer],
      );
      const admin = await f.timelock.read.DEFAULT_ADMIN_ROLE();
      await assertRevert(c.timelock.write.grantRole([proposer, a]), "AccessControlUnauthorizedAccount", [a, admin]);
    }
  });

  it("governor settings: out-of-bounds values revert GovernorSettingOutOfBounds at execution", async () => {
    const { f } = await setup();
    const cases: [string, readonly unknown[], readonly unknown[]][] = [
      ["setVotingPeriod", [59], [name("votingPeriod"), 59n, 60n, 90n * DAY]],
      ["setVotingPeriod", [Number(90n * DAY + 1n)], [name("votingPeriod"), 90n * DAY + 1n, 60n, 90n * DAY]],
      ["setVotingDelay", [Number(30n * DAY + 1n)], [name("votingDelay"), 30n * DAY + 1n, 0n, 30n * DAY]],
      ["updateQuorumNumerator", [0n], [name("quorumNumerator"), 0n, 1n, 50n]],
      ["updateQuorumNumerator", [51n], [name("quorumNumerator"), 51n, 1n, 50n]],
      [
        "setProposalThreshold",
        [DVPN(10_000_000) + 1n],
        [name("proposalThreshold"), DVPN(10_000_000) + 1n, 0n, DVPN(10_000_000)],
      ],
    ];
    for (const [fn, args, errorArgs] of cases) {
      const run = await passProposal(f, [governorCall(f, fn, args)], `${fn} ${String(args[0])}`);
      await assertRevert(run.execute(), "GovernorSettingOutOfBounds", errorArgs);
    }
  });

  it("setProposalThreshold: a vote cannot raise the threshold out of reach (GovernorSettingOutOfBounds)", async () => {
    const { f } = await setup();
    const max = await f.governor.read.MAX_PROPOSAL_THRESHOLD();
    assert.equal(max, DVPN(10_000_000));
    const tooHigh = 2n ** 256n - 1n;
    const run = await passProposal(f, [governorCall(f, "setProposalThreshold", [tooHigh])], "freeze governance");
    await assertRevert(run.execute(), "GovernorSettingOutOfBounds", [name("proposalThreshold"), tooHigh, 0n, max]);
    assert.equal(await f.governor.read.proposalThreshold(), 0n);
    // The highest allowed threshold still leaves proposing possible.
    const ok = await passProposal(f, [governorCall(f, "setProposalThreshold", [max])], "threshold at the bound");
    await f.mined(ok.execute());
    assert.equal(await f.governor.read.proposalThreshold(), max);
    await passProposal(f, [escrowCall(f, "setProtocolFeeBps", [10n])], "still governable");
  });

  it("governor settings: in-bounds values are applied by a proposal", async () => {
    const { f } = await setup();
    const run = await passProposal(
      f,
      [
        governorCall(f, "setVotingPeriod", [600]),
        governorCall(f, "setVotingDelay", [120]),
        governorCall(f, "updateQuorumNumerator", [10n]),
        governorCall(f, "setProposalThreshold", [DVPN(1)]),
      ],
      "tune governance",
    );
    await f.mined(run.execute());
    assert.equal(await f.governor.read.votingPeriod(), 600n);
    assert.equal(await f.governor.read.votingDelay(), 120n);
    assert.equal(await f.governor.read.quorumNumerator(), 10n);
    assert.equal(await f.governor.read.proposalThreshold(), DVPN(1));
  });

  it("governor constructor: reverts GovernorSettingOutOfBounds for bad settings", async () => {
    const { f } = await setup();
    const args = (delay: number, period: number, quorum: bigint) =>
      [f.token.address, f.timelock.address, delay, period, 0n, quorum] as never;
    await assertRevert(f.viem.deployContract("DVPNGovernor", args(60, 30, 4n)), "GovernorSettingOutOfBounds", [
      name("votingPeriod"),
      30n,
      60n,
      90n * DAY,
    ]);
    await assertRevert(
      f.viem.deployContract("DVPNGovernor", args(Number(31n * DAY), 300, 4n)),
      "GovernorSettingOutOfBounds",
      [name("votingDelay"), 31n * DAY, 0n, 30n * DAY],
    );
    await assertRevert(
      f.viem.deployContract("DVPNGovernor", [
        f.token.address,
        f.timelock.address,
        60,
        300,
        DVPN(10_000_000) + 1n,
        4n,
      ] as never),
      "GovernorSettingOutOfBounds",
      [name("proposalThreshold"), DVPN(10_000_000) + 1n, 0n, DVPN(10_000_000)],
    );
    await assertRevert(f.viem.deployContract("DVPNGovernor", args(60, 300, 0n)), "GovernorSettingOutOfBounds", [
      name("quorumNumerator"),
      0n,
      1n,
      50n,
    ]);
  });

  it("DVPNTimelock.updateDelay: bounded to 1 minute – 30 days through governance", async () => {
    const { f } = await setup();
    const call = (v: bigint): Call => ({
      target: f.timelock.address,
      abi: dvpnTimelockAbi,
      functionName: "updateDelay",
      args: [v],
    });
    const tooLong = await passProposal(f, [call(30n * DAY + 1n)], "delay too long");
    await assertRevert(tooLong.execute(), "TimelockDelayOutOfBounds", [30n * DAY + 1n, 60n, 30n * DAY]);
    const run = await passProposal(f, [call(120n)], "delay 2 minutes");
    const receipt = await f.mined(run.execute());
    assertEvent(dvpnTimelockAbi, f.timelock.address, receipt, "MinDelayChange", {
      oldDuration: TIMELOCK_DELAY,
      newDuration: 120n,
    });
    assert.equal(await f.timelock.read.getMinDelay(), 120n);
  });

  it("DVPNTimelock constructor: reverts TimelockDelayOutOfBounds above 30 days", async () => {
    const { f } = await setup();
    await assertRevert(
      f.viem.deployContract("DVPNTimelock", [30n * DAY + 1n, [], [], f.deployer.account.address] as never),
      "TimelockDelayOutOfBounds",
      [30n * DAY + 1n, 60n, 30n * DAY],
    );
  });
});
