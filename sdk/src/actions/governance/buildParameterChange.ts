import { encodeFunctionData, parseUnits, type Abi, type Address } from "viem";
import { dvpnGovernorAbi, dvpnTimelockAbi, providerRegistryAbi, sessionEscrowAbi } from "../../abi/index.ts";
import type { Deployment } from "../../deployment/types.ts";
import { InvalidInputError } from "../../errors/input.ts";
import { checkAddress, checkUint } from "../../internal/validate.ts";
import type { ProposalAction } from "./proposal.ts";

const DAY = 86_400n;

/**
 * Every parameter governance can set: the contract, its setter and the hard bounds the
 * contract enforces (checked here too, so an out-of-bounds proposal is never made).
 */
export const GOVERNABLE_PARAMETERS = {
  minStake: { contract: "ProviderRegistry", setter: "setMinStake", min: 1n, max: parseUnits("10000000", 18) },
  unbondingPeriod: { contract: "ProviderRegistry", setter: "setUnbondingPeriod", min: DAY, max: 90n * DAY },
  heartbeatTimeout: { contract: "ProviderRegistry", setter: "setHeartbeatTimeout", min: 60n, max: DAY },
  maxSlashBps: { contract: "ProviderRegistry", setter: "setMaxSlashBps", min: 1n, max: 5_000n },
  protocolFeeBps: { contract: "SessionEscrow", setter: "setProtocolFeeBps", min: 0n, max: 1_000n },
  acceptTimeout: { contract: "SessionEscrow", setter: "setAcceptTimeout", min: 60n, max: DAY },
  settlementWindow: { contract: "SessionEscrow", setter: "setSettlementWindow", min: 600n, max: 7n * DAY },
  treasury: { contract: "SessionEscrow", setter: "setTreasury", min: undefined, max: undefined },
  votingDelay: { contract: "DVPNGovernor", setter: "setVotingDelay", min: 0n, max: 30n * DAY },
  votingPeriod: { contract: "DVPNGovernor", setter: "setVotingPeriod", min: 60n, max: 90n * DAY },
  proposalThreshold: { contract: "DVPNGovernor", setter: "setProposalThreshold", min: 0n, max: (1n << 256n) - 1n },
  quorumNumerator: { contract: "DVPNGovernor", setter: "updateQuorumNumerator", min: 1n, max: 50n },
  timelockDelay: { contract: "DVPNTimelock", setter: "updateDelay", min: 0n, max: 30n * DAY },
} as const;

/** The name of a governable parameter. */
export type GovernableParameter = keyof typeof GOVERNABLE_PARAMETERS;

const ABIS: Record<string, Abi> = {
  ProviderRegistry: providerRegistryAbi,
  SessionEscrow: sessionEscrowAbi,
  DVPNGovernor: dvpnGovernorAbi,
  DVPNTimelock: dvpnTimelockAbi,
};

/** Parameters of {@link buildParameterChange}. */
export interface BuildParameterChangeParameters {
  /** Which parameter, e.g. `"protocolFeeBps"`. */
  parameter: GovernableParameter;
  /** The new value (an address for `treasury`). */
  value: bigint | Address;
}

/**
 * Builds the proposal action that sets one protocol parameter through the timelock,
 * checking the contract's hard bounds first.
 * @param deployment the protocol's deployment record (or `client.deployment`).
 * @param params parameter name and new value.
 * @returns a {@link ProposalAction} for {@link propose}.
 * @throws {InvalidInputError} for an unknown parameter or a value out of bounds.
 * @example const action = buildParameterChange(client.deployment, { parameter: "protocolFeeBps", value: 100n })
 */
export function buildParameterChange(deployment: Deployment, params: BuildParameterChangeParameters): ProposalAction {
  const spec = (GOVERNABLE_PARAMETERS as Record<string, (typeof GOVERNABLE_PARAMETERS)[GovernableParameter]>)[
    params.parameter
  ];
  if (!spec) {
    throw new InvalidInputError({
      field: "parameter",
      value: params.parameter,
      reason: `must be one of ${Object.keys(GOVERNABLE_PARAMETERS).join(", ")}`,
    });
  }
  let arg: bigint | Address;
  if (spec.min === undefined) arg = checkAddress(params.value, params.parameter);
  else {
    arg = checkUint(params.value, params.parameter, 256);
    if (arg < spec.min || arg > spec.max) {
      throw new InvalidInputError({
        field: params.parameter,
        value: arg,
        reason: `must be within the contract's bounds [${spec.min}, ${spec.max}]`,
      });
    }
  }
  const target = deployment.contracts[spec.contract].address;
  return {
    target,
    value: 0n,
    data: encodeFunctionData({ abi: ABIS[spec.contract] as Abi, functionName: spec.setter, args: [arg] }),
  };
}
