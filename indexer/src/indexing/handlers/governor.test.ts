import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getAddress } from "viem";
import { chainEvent } from "../../testing/events.ts";
import { createFakeStore } from "../../testing/fakeStore.ts";
import { applyEvent, type Params } from "../handlers.ts";
import type { ChainEvent } from "../decodeLogs.ts";

const PROPOSER = getAddress(`0x${"f6".repeat(20)}`);
const TARGET = getAddress(`0x${"a7".repeat(20)}`);
const VOTER = getAddress(`0x${"98".repeat(20)}`);
const T0 = 1_800_000_000;

function setup() {
  const store = createFakeStore();
  const params: Params = new Map();
  return { store, params, apply: (e: ChainEvent) => applyEvent(store, params, e) };
}

const created = (proposalId: bigint) =>
  chainEvent(
    "governor",
    "ProposalCreated",
    {
      proposalId,
      proposer: PROPOSER,
      targets: [TARGET],
      values: [0n],
      signatures: [""],
      calldatas: ["0x1234"],
      voteStart: BigInt(T0 + 60),
      voteEnd: BigInt(T0 + 3660),
      description: "Raise the fee",
    },
    { timestamp: T0, block: 20 },
  );

const vote = (proposalId: bigint, support: number, weight: bigint, timestamp: number) =>
  chainEvent(
    "governor",
    "VoteCast",
    { voter: VOTER, proposalId, support, weight, reason: "why" },
    { timestamp, block: 21 },
  );

describe("DVPNGovernor handlers", () => {
  test("ProposalCreated writes the proposal with empty tallies", () => {
    const { store, apply } = setup();
    apply(created(7n));
    assert.deepEqual(
      { ...store.rows.proposals.get("7") },
      {
        id: 7n,
        proposer: PROPOSER,
        description: "Raise the fee",
        targets: [TARGET],
        values: ["0"],
        calldatas: ["0x1234"],
        voteStart: T0 + 60,
        voteEnd: T0 + 3660,
        createdAt: T0,
        createdBlock: 20,
        forVotes: 0n,
        againstVotes: 0n,
        abstainVotes: 0n,
        voteCount: 0,
        queuedAt: null,
        eta: null,
        executedAt: null,
        canceledAt: null,
        updatedBlock: 20,
      },
    );
  });

  test("votes are tallied by support and recorded, with or without params", () => {
    const { store, apply } = setup();
    apply(created(7n));
    apply(vote(7n, 1, 100n, T0 + 100));
    apply(vote(7n, 0, 40n, T0 + 101));
    apply(vote(7n, 2, 5n, T0 + 102));
    apply(
      chainEvent(
        "governor",
        "VoteCastWithParams",
        { voter: VOTER, proposalId: 7n, support: 1, weight: 10n, reason: "", params: "0x" },
        { timestamp: T0 + 103, block: 22 },
      ),
    );
    const p = store.rows.proposals.get("7")!;
    assert.deepEqual([p.forVotes, p.againstVotes, p.abstainVotes, p.voteCount, p.updatedBlock], [110n, 40n, 5n, 4, 22]);
    assert.deepEqual(
      store.appended.votes.map((v) => [v.proposalId, v.voter, v.support, v.weight, v.reason]),
      [
        [7n, VOTER, 1, 100n, "why"],
        [7n, VOTER, 0, 40n, "why"],
        [7n, VOTER, 2, 5n, "why"],
        [7n, VOTER, 1, 10n, ""],
      ],
    );
  });

  test("a vote on a proposal made before the index began is recorded without a tally", () => {
    const { store, apply } = setup();
    apply(vote(99n, 1, 100n, T0));
    assert.equal(store.rows.proposals.size, 0);
    assert.equal(store.appended.votes.length, 1);
  });

  test("queue, execute and cancel set their times", () => {
    const { store, apply } = setup();
    apply(created(7n));
    apply(
      chainEvent(
        "governor",
        "ProposalQueued",
        { proposalId: 7n, etaSeconds: BigInt(T0 + 9000) },
        { timestamp: T0 + 5000 },
      ),
    );
    apply(chainEvent("governor", "ProposalExecuted", { proposalId: 7n }, { timestamp: T0 + 9001 }));
    apply(created(8n));
    apply(chainEvent("governor", "ProposalCanceled", { proposalId: 8n }, { timestamp: T0 + 10 }));
    const p = store.rows.proposals.get("7")!;
    assert.deepEqual([p.queuedAt, p.eta, p.executedAt, p.canceledAt], [T0 + 5000, T0 + 9000, T0 + 9001, null]);
    assert.equal(store.rows.proposals.get("8")?.canceledAt, T0 + 10);
  });

  test("the governor's settings are parameters", () => {
    const { store, params, apply } = setup();
    apply(
      chainEvent(
        "governor",
        "VotingDelaySet",
        { oldVotingDelay: 1n, newVotingDelay: 60n },
        { timestamp: T0, block: 30 },
      ),
    );
    apply(
      chainEvent("governor", "VotingPeriodSet", { oldVotingPeriod: 1n, newVotingPeriod: 3600n }, { timestamp: T0 }),
    );
    apply(
      chainEvent(
        "governor",
        "ProposalThresholdSet",
        { oldProposalThreshold: 0n, newProposalThreshold: 10n },
        { timestamp: T0 },
      ),
    );
    apply(
      chainEvent(
        "governor",
        "QuorumNumeratorUpdated",
        { oldQuorumNumerator: 4n, newQuorumNumerator: 5n },
        { timestamp: T0 },
      ),
    );
    assert.deepEqual(Object.fromEntries(params), {
      votingDelay: 60n,
      votingPeriod: 3600n,
      proposalThreshold: 10n,
      quorumNumerator: 5n,
    });
    assert.deepEqual(
      { ...store.rows.parameters.get("votingDelay") },
      { id: "votingDelay", contract: "DVPNGovernor", value: 60n, updatedAt: T0, updatedBlock: 30 },
    );
  });
});
