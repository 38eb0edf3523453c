import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeFunctionData, getAddress } from "viem";
import { dvpnGovernorAbi, providerRegistryAbi } from "../../abi/index.ts";
import { ContractRevertError } from "../../errors/contract.ts";
import { InvalidInputError } from "../../errors/input.ts";
import { DVPN, sdkFixture, type SdkFixture } from "../../../test/fixture.ts";
import { buildParameterChange, GOVERNABLE_PARAMETERS } from "./buildParameterChange.ts";
import { buildSlash } from "./buildSlash.ts";
import { getProposalId } from "./proposal.ts";

describe("governance actions", () => {
  let f: SdkFixture;
  before(async () => {
    f = await sdkFixture();
  });
  after(async () => {
    await f.connection.close();
  });

  it("the SDK's parameter bounds equal the contracts' constants", async () => {
    const registry = f.deployment.contracts.ProviderRegistry.address;
    const escrow = f.deployment.contracts.SessionEscrow.address;
    const read = (address: `0x${string}`, abi: typeof providerRegistryAbi, fn: string) =>
      f.publicClient.readContract({ address, abi, functionName: fn as "MIN_STAKE_LOWER" }) as Promise<bigint>;
    const { sessionEscrowAbi } = await import("../../abi/index.ts");
    const esc = (fn: string) =>
      f.publicClient.readContract({
        address: escrow,
        abi: sessionEscrowAbi,
        functionName: fn as "ACCEPT_TIMEOUT_LOWER",
      });
    assert.equal(GOVERNABLE_PARAMETERS.minStake.min, await read(registry, providerRegistryAbi, "MIN_STAKE_LOWER"));
    assert.equal(GOVERNABLE_PARAMETERS.minStake.max, await read(registry, providerRegistryAbi, "MIN_STAKE_UPPER"));
    assert.equal(
      GOVERNABLE_PARAMETERS.unbondingPeriod.min,
      await read(registry, providerRegistryAbi, "UNBONDING_PERIOD_LOWER"),
    );
    assert.equal(
      GOVERNABLE_PARAMETERS.unbondingPeriod.max,
      await read(registry, providerRegistryAbi, "UNBONDING_PERIOD_UPPER"),
    );
    assert.equal(
      GOVERNABLE_PARAMETERS.heartbeatTimeout.min,
      await read(registry, providerRegistryAbi, "HEARTBEAT_TIMEOUT_LOWER"),
    );
    assert.equal(
      GOVERNABLE_PARAMETERS.heartbeatTimeout.max,
      await read(registry, providerRegistryAbi, "HEARTBEAT_TIMEOUT_UPPER"),
    );
    assert.equal(
      GOVERNABLE_PARAMETERS.maxSlashBps.min,
      await read(registry, providerRegistryAbi, "MAX_SLASH_BPS_LOWER"),
    );
    assert.equal(
      GOVERNABLE_PARAMETERS.maxSlashBps.max,
      await read(registry, providerRegistryAbi, "MAX_SLASH_BPS_UPPER"),
    );
    assert.equal(GOVERNABLE_PARAMETERS.protocolFeeBps.max, await esc("PROTOCOL_FEE_BPS_UPPER"));
    assert.equal(GOVERNABLE_PARAMETERS.acceptTimeout.min, await esc("ACCEPT_TIMEOUT_LOWER"));
    assert.equal(GOVERNABLE_PARAMETERS.acceptTimeout.max, await esc("ACCEPT_TIMEOUT_UPPER"));
    assert.equal(GOVERNABLE_PARAMETERS.settlementWindow.min, await esc("SETTLEMENT_WINDOW_LOWER"));
    assert.equal(GOVERNABLE_PARAMETERS.settlementWindow.max, await esc("SETTLEMENT_WINDOW_UPPER"));
    const gov = f.deployment.contracts.DVPNGovernor.address;
    const g = (fn: string) =>
      f.publicClient.readContract({ address: gov, abi: dvpnGovernorAbi, functionName: fn as "MAX_VOTING_DELAY" });
    assert.equal(GOVERNABLE_PARAMETERS.votingDelay.max, await g("MAX_VOTING_DELAY"));
    assert.equal(GOVERNABLE_PARAMETERS.votingPeriod.min, await g("MIN_VOTING_PERIOD"));
    assert.equal(GOVERNABLE_PARAMETERS.votingPeriod.max, await g("MAX_VOTING_PERIOD"));
    assert.equal(GOVERNABLE_PARAMETERS.quorumNumerator.min, await g("MIN_QUORUM_NUMERATOR"));
    assert.equal(GOVERNABLE_PARAMETERS.quorumNumerator.max, await g("MAX_QUORUM_NUMERATOR"));
  });

  it("builders reject out-of-bounds values and encode the setter and slash calls", () => {
    assert.throws(
      () => buildParameterChange(f.deployment, { parameter: "protocolFeeBps", value: 1_001n }),
      (e: unknown) => e instanceof InvalidInputError && e.field === "protocolFeeBps",
    );
    assert.throws(
      () => buildParameterChange(f.deployment, { parameter: "nope" as "minStake", value: 1n }),
      InvalidInputError,
    );
    assert.throws(
      () => buildParameterChange(f.deployment, { parameter: "treasury", value: "0x12" }),
      InvalidInputError,
    );
    const provider = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    const beneficiary = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
    const slash = buildSlash(f.deployment, { provider, amount: DVPN(50), beneficiary });
    assert.equal(slash.target, f.deployment.contracts.ProviderRegistry.address);
    const decoded = decodeFunctionData({ abi: providerRegistryAbi, data: slash.data });
    assert.equal(decoded.functionName, "slash");
    assert.deepEqual(decoded.args, [provider, DVPN(50), beneficiary]);
  });

  it("delegate, propose, vote with reason, queue and execute a parameter change and a slash", async () => {
    const provider = await f.registerProviderAccount(1);
    const victim = f.wallets[2]!.account.address;
    const voter = f.clientFor(0);
    await voter.delegateVotes();
    const balances = await voter.getBalances();
    assert.ok(balances.votes > 0n);
    assert.equal(balances.delegate, voter.account!.address);
    await f.networkHelpers.mine();

    const proposal = {
      actions: [
        voter.buildParameterChange({ parameter: "protocolFeeBps", value: 100n }),
        voter.buildSlash({ provider: provider.address, amount: DVPN(60), beneficiary: victim }),
      ],
      description: "Lower the protocol fee to 1% and slash a provider that logged traffic",
    };
    const proposed = await voter.propose(proposal);
    assert.equal(proposed.proposalId, getProposalId(proposal));
    const onChainId = await f.publicClient.readContract({
      address: f.deployment.contracts.DVPNGovernor.address,
      abi: dvpnGovernorAbi,
      functionName: "hashProposal",
      args: [
        proposal.actions.map((a) => a.target),
        proposal.actions.map(() => 0n),
        proposal.actions.map((a) => a.data),
        (await import("viem")).keccak256((await import("viem")).toBytes(proposal.description)),
      ],
    });
    assert.equal(proposed.proposalId, onChainId);
    assert.equal(await voter.getProposalState({ proposalId: proposed.proposalId }), "Pending");

    await f.networkHelpers.time.increase(61);
    const early = await voter.queueProposal(proposal).catch((e: unknown) => e);
    assert.ok(early instanceof ContractRevertError && early.errorName === "GovernorUnexpectedProposalState");
    assert.match(early.shortMessage, /is Active, expected Succeeded/);

    const vote = await voter.castVote({ proposalId: proposed.proposalId, support: "for", reason: "cheaper VPN" });
    assert.equal(vote.weight, balances.votes);
    const twice = await voter.castVote({ proposalId: proposed.proposalId, support: "for" }).catch((e: unknown) => e);
    assert.ok(twice instanceof ContractRevertError && twice.errorName === "GovernorAlreadyCastVote");

    await f.networkHelpers.time.increase(301);
    const info = await voter.getProposal({ proposalId: proposed.proposalId });
    assert.equal(info.state, "Succeeded");
    assert.equal(info.votes.for, balances.votes);

    const queued = await voter.queueProposal(proposal);
    assert.ok(queued.eta > 0n);
    assert.equal(await voter.getProposalState({ proposalId: proposed.proposalId }), "Queued");
    await f.networkHelpers.time.increase(61);
    const executed = await f.clientFor(9).executeProposal(proposal);
    assert.equal(executed.proposalId, proposed.proposalId);
    assert.equal((await voter.getParameters()).escrow.protocolFeeBps, 100);
    assert.equal((await voter.getProvider({ provider: provider.address })).stake, DVPN(940));
    const definition = await voter.getProposalDefinition({ proposalId: proposed.proposalId });
    assert.equal(definition.description, proposal.description);
    assert.deepEqual(
      definition.actions.map((a) => a.data),
      proposal.actions.map((a) => a.data),
    );
  });
});
