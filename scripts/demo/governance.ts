/**
 * The demo's governance round: the voter proposes a protocol fee of 3 %, votes for it, queues it
 * in the timelock and executes it, moving the local chain's clock past each delay.
 */
import type { LocalChain } from "../../test/kit/localChain.ts";
import type { Reporter } from "../lib/reporter.ts";
import { buildParameterChange, getProposalId, type DvpnClient } from "../../sdk/src/index.ts";
import type { Deployment } from "../../sdk/src/deployment/types.ts";
import { advanceTime } from "./advanceTime.ts";

/** The executed proposal and the protocol fee before and after it. */
export interface GovernanceRound {
  proposalId: bigint;
  oldFeeBps: number;
  newFeeBps: number;
}

/** Runs the round with `voter` (which holds the votes) and reads the fee through `reader`. */
export async function raiseProtocolFee(params: {
  r: Reporter;
  chain: LocalChain;
  deployment: Deployment;
  voter: DvpnClient;
  reader: DvpnClient;
}): Promise<GovernanceRound> {
  const { chain, deployment, voter, reader } = params;
  return params.r.step("Governance: propose, vote, queue and execute a protocol fee of 3 %", async (note) => {
    const oldFeeBps = (await reader.getParameters()).escrow.protocolFeeBps;
    const action = buildParameterChange(deployment, { parameter: "protocolFeeBps", value: 300n });
    const proposal = {
      actions: [action],
      description: `Raise the protocol fee to 3 % (${new Date().toISOString()})`,
    };
    const proposalId = getProposalId(proposal);
    await voter.propose(proposal);
    note(`proposal ${proposalId.toString().slice(0, 12)}… submitted`);
    const p = deployment.parameters.governor;
    await advanceTime(chain.publicClient, p.votingDelay + 1);
    await voter.castVote({ proposalId, support: "for", reason: "fees fund the treasury" });
    note("voted for");
    await advanceTime(chain.publicClient, p.votingPeriod + 1);
    await voter.queueProposal(proposal);
    note(`queued in the timelock (moved the clock ${p.votingDelay + p.votingPeriod + 2} s)`);
    await advanceTime(chain.publicClient, p.timelockDelay + 1);
    await voter.executeProposal(proposal);
    const newFeeBps = (await reader.getParameters()).escrow.protocolFeeBps;
    note(`executed: protocolFeeBps ${oldFeeBps} → ${newFeeBps}`);
    return { proposalId, oldFeeBps, newFeeBps };
  });
}
