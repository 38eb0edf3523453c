import type { Address, Hex } from "viem";
import { dvpnGovernorAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { toDvpnError } from "../../errors/contract.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkUint } from "../../internal/validate.ts";
import { InvalidInputError } from "../../errors/input.ts";
import type { Proposal } from "./proposal.ts";

/** A proposal as created on chain: its id, proposer, voting window, actions and description. */
export interface ProposalDefinition extends Proposal {
  proposalId: bigint;
  proposer: Address;
  voteStart: bigint;
  voteEnd: bigint;
  blockNumber: bigint;
}

async function createdLogs(client: DvpnContext) {
  try {
    return await client.publicClient.getContractEvents({
      address: addresses(client).governor,
      abi: dvpnGovernorAbi,
      eventName: "ProposalCreated",
      fromBlock: BigInt(client.deployment.startBlock),
      toBlock: "latest",
    });
  } catch (err) {
    throw toDvpnError(err, "getLogs ProposalCreated");
  }
}

/**
 * Every proposal created on the Governor, read from its ProposalCreated logs (oldest first).
 * @param client a DvpnClient.
 * @returns each proposal's definition (actions, description, window).
 * @example for (const p of await listProposals(client)) console.log(p.proposalId, p.description)
 */
export async function listProposals(client: DvpnContext): Promise<ProposalDefinition[]> {
  const logs = await createdLogs(client);
  return logs.map((log) => {
    const a = log.args as {
      proposalId: bigint;
      proposer: Address;
      targets: readonly Address[];
      values: readonly bigint[];
      calldatas: readonly Hex[];
      voteStart: bigint;
      voteEnd: bigint;
      description: string;
    };
    return {
      proposalId: a.proposalId,
      proposer: a.proposer,
      voteStart: a.voteStart,
      voteEnd: a.voteEnd,
      description: a.description,
      actions: a.targets.map((target, i) => ({ target, value: a.values[i] ?? 0n, data: a.calldatas[i] ?? "0x" })),
      blockNumber: log.blockNumber,
    };
  });
}

/**
 * The actions and description of a proposal, from its ProposalCreated log: what
 * {@link queueProposal} and {@link executeProposal} need when only the id is known.
 * @param client a DvpnClient.
 * @param params the proposal id.
 * @returns the proposal's definition.
 * @throws {InvalidInputError} when no proposal has that id.
 * @example await client.queueProposal(await getProposalDefinition(client, { proposalId }))
 */
export async function getProposalDefinition(
  client: DvpnContext,
  params: { proposalId: bigint },
): Promise<ProposalDefinition> {
  const proposalId = checkUint(params.proposalId, "proposalId", 256);
  const found = (await listProposals(client)).find((p) => p.proposalId === proposalId);
  if (!found) throw new InvalidInputError({ field: "proposalId", value: proposalId, reason: "no such proposal" });
  return found;
}
