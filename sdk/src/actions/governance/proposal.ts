import { encodeAbiParameters, keccak256, toBytes, type Address, type Hex } from "viem";
import { checkAddress, checkText } from "../../internal/validate.ts";
import { InvalidInputError } from "../../errors/input.ts";

/** One call a proposal makes through the timelock. */
export interface ProposalAction {
  /** Contract called. */
  target: Address;
  /** Native value sent (default 0). */
  value?: bigint;
  /** Calldata. */
  data: Hex;
}

/** A proposal as the Governor identifies it: its actions and its description text. */
export interface Proposal {
  actions: readonly ProposalAction[];
  /** Free text (markdown); its keccak256 is part of the proposal id. */
  description: string;
}

/** Proposal states of an OpenZeppelin Governor, by their on-chain number. */
export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;

/** A Governor proposal state. */
export type ProposalState = (typeof PROPOSAL_STATES)[number];

/**
 * Splits a proposal into the Governor's `(targets, values, calldatas, descriptionHash)`,
 * validating it.
 * @param proposal actions and description.
 * @returns the four arrays/values the Governor's propose/queue/execute take.
 * @example const { targets, values, calldatas, descriptionHash } = proposalArgs({ actions, description })
 */
export function proposalArgs(proposal: Proposal): {
  targets: Address[];
  values: bigint[];
  calldatas: Hex[];
  description: string;
  descriptionHash: Hex;
} {
  if (!Array.isArray(proposal.actions) || proposal.actions.length === 0) {
    throw new InvalidInputError({ field: "actions", value: "[]", reason: "a proposal needs at least one action" });
  }
  const description = checkText(proposal.description, "description", 100_000);
  const targets = proposal.actions.map((a, i) => checkAddress(a.target, `actions[${i}].target`));
  const values = proposal.actions.map((a) => a.value ?? 0n);
  const calldatas = proposal.actions.map((a, i) => {
    if (typeof a.data !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(a.data)) {
      throw new InvalidInputError({
        field: `actions[${i}].data`,
        value: a.data,
        reason: "must be 0x-prefixed hex bytes",
      });
    }
    return a.data;
  });
  return { targets, values, calldatas, description, descriptionHash: keccak256(toBytes(description)) };
}

/**
 * The proposal id the Governor assigns, computed like its `hashProposal`:
 * `uint256(keccak256(abi.encode(targets, values, calldatas, keccak256(description))))`.
 * @param proposal actions and description.
 * @returns the proposal id.
 * @example const id = getProposalId({ actions: [action], description: "Lower the fee to 1%" })
 */
export function getProposalId(proposal: Proposal): bigint {
  const { targets, values, calldatas, descriptionHash } = proposalArgs(proposal);
  return BigInt(
    keccak256(
      encodeAbiParameters(
        [{ type: "address[]" }, { type: "uint256[]" }, { type: "bytes[]" }, { type: "bytes32" }],
        [targets, values, calldatas, descriptionHash],
      ),
    ),
  );
}
