import type { Address } from "viem";

/** Names of the deployed contracts in a {@link Deployment}. */
export type ContractName =
  "DVPNToken" | "PaymentToken" | "DVPNTimelock" | "DVPNGovernor" | "ProviderRegistry" | "SessionEscrow";

/** Where one contract lives. `blockNumber` is the block it was deployed in (0 when it was given, not deployed). */
export interface DeployedContract {
  address: Address;
  blockNumber: number;
}

/**
 * One allocation of the initial DVPN distribution: `amount` (wei, decimal string) minted to `to`, an
 * address or a role resolved at deployment (`"deployer"`, or `"timelock"`: the treasury governance spends).
 */
export interface TokenAllocation {
  to: Address | "deployer" | "timelock";
  amount: string;
  /** What the allocation is for (documentation only). */
  label?: string;
}

/** Values the protocol was deployed with (all numbers that can exceed 2^53 are decimal strings). */
export interface DeploymentParameters {
  /** The whole DVPN supply: the sum of {@link DeploymentParameters.distribution}. */
  tokenSupply: string;
  /** Who receives the supply, minted directly by the token's constructor; nothing else is ever minted. */
  distribution: TokenAllocation[];
  governor: {
    votingDelay: number;
    votingPeriod: number;
    proposalThreshold: string;
    quorumNumerator: number;
    timelockDelay: number;
  };
  registry: { minStake: string; unbondingPeriod: number; heartbeatTimeout: number; maxSlashBps: number };
  escrow: { protocolFeeBps: number; acceptTimeout: number; settlementWindow: number };
}

/**
 * The record in `deployments/<chainId>.json`: every contract address with its deployment
 * block, the first block worth indexing, and the parameters used at deployment.
 */
export interface Deployment {
  chainId: number;
  /** The lowest deployment block: indexers and agents start reading logs here. */
  startBlock: number;
  deployer: Address;
  contracts: Record<ContractName, DeployedContract>;
  parameters: DeploymentParameters;
}
