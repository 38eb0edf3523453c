import { encodeFunctionData, type Address } from "viem";
import { providerRegistryAbi } from "../../abi/index.ts";
import type { Deployment } from "../../deployment/types.ts";
import { checkAddress, checkUint } from "../../internal/validate.ts";
import type { ProposalAction } from "./proposal.ts";

/** Parameters of {@link buildSlash}. */
export interface BuildSlashParameters {
  /** The provider to slash. */
  provider: Address;
  /** Protocol-token wei to take (at most maxSlashBps of its stake + unbonding). */
  amount: bigint;
  /** Receives the slashed tokens (e.g. the harmed client, or the timelock). */
  beneficiary: Address;
}

/**
 * Builds the proposal action that slashes a provider through the timelock.
 * @param deployment the protocol's deployment record (or `client.deployment`).
 * @param params provider, amount and beneficiary.
 * @returns a {@link ProposalAction} for {@link propose}.
 * @example const action = buildSlash(client.deployment, { provider, amount: parseUnits("50", 18), beneficiary: victim })
 */
export function buildSlash(deployment: Deployment, params: BuildSlashParameters): ProposalAction {
  const provider = checkAddress(params.provider, "provider");
  const amount = checkUint(params.amount, "amount", 128, 1n);
  const beneficiary = checkAddress(params.beneficiary, "beneficiary");
  return {
    target: deployment.contracts.ProviderRegistry.address,
    value: 0n,
    data: encodeFunctionData({
      abi: providerRegistryAbi,
      functionName: "slash",
      args: [provider, amount, beneficiary],
    }),
  };
}
