/** DVPNGovernor events: proposals, votes and the governor's own settings. */
import { checksum } from "../decodeLogs.ts";
import type { ContractHandlers, HandlerContext } from "./context.ts";
import { setParam, touchProposal, update } from "./rows.ts";
import type { ChainEventOf } from "../decodeLogs.ts";

/** VoteCast and VoteCastWithParams: the tally and the vote row. */
function voteCast(ctx: HandlerContext, e: ChainEventOf<"governor", "VoteCast" | "VoteCastWithParams">): void {
  const a = e.args;
  const p = touchProposal(ctx, a.proposalId, e);
  const support = a.support;
  if (p) {
    const col = support === 1 ? "forVotes" : support === 0 ? "againstVotes" : "abstainVotes";
    p[col] += a.weight;
    p.voteCount += 1;
  }
  ctx.store.append("votes", {
    id: e.id,
    blockNumber: e.blockNumber,
    timestamp: e.timestamp,
    proposalId: a.proposalId,
    voter: checksum(a.voter),
    support,
    weight: a.weight,
    reason: a.reason,
  });
}

export const governorHandlers: ContractHandlers<"governor"> = {
  ProposalCreated(ctx, e) {
    const a = e.args;
    ctx.store.put("proposals", {
      id: a.proposalId,
      proposer: checksum(a.proposer),
      description: a.description,
      targets: a.targets.map(checksum),
      values: a.values.map(String),
      calldatas: [...a.calldatas],
      voteStart: Number(a.voteStart),
      voteEnd: Number(a.voteEnd),
      createdAt: e.timestamp,
      createdBlock: e.blockNumber,
      forVotes: 0n,
      againstVotes: 0n,
      abstainVotes: 0n,
      voteCount: 0,
      queuedAt: null,
      eta: null,
      executedAt: null,
      canceledAt: null,
      updatedBlock: e.blockNumber,
    });
  },
  VoteCast: voteCast,
  VoteCastWithParams: voteCast,
  ProposalQueued(ctx, e) {
    const p = touchProposal(ctx, e.args.proposalId, e);
    if (p) update(p, { queuedAt: e.timestamp, eta: Number(e.args.etaSeconds) });
  },
  ProposalExecuted(ctx, e) {
    const p = touchProposal(ctx, e.args.proposalId, e);
    if (p) p.executedAt = e.timestamp;
  },
  ProposalCanceled(ctx, e) {
    const p = touchProposal(ctx, e.args.proposalId, e);
    if (p) p.canceledAt = e.timestamp;
  },
  VotingDelaySet(ctx, e) {
    setParam(ctx, e, "votingDelay", "DVPNGovernor", e.args.newVotingDelay);
  },
  VotingPeriodSet(ctx, e) {
    setParam(ctx, e, "votingPeriod", "DVPNGovernor", e.args.newVotingPeriod);
  },
  ProposalThresholdSet(ctx, e) {
    setParam(ctx, e, "proposalThreshold", "DVPNGovernor", e.args.newProposalThreshold);
  },
  QuorumNumeratorUpdated(ctx, e) {
    setParam(ctx, e, "quorumNumerator", "DVPNGovernor", e.args.newQuorumNumerator);
  },
  // The timelock is in the deployment file; the EIP-712 domain is the governor's own.
  TimelockChange: null,
  EIP712DomainChanged: null,
};
