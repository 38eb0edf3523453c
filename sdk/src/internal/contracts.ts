import type { Abi, Address } from "viem";

type AbiError = Extract<Abi[number], { type: "error" }>;
import {
  dvpnGovernorAbi,
  dvpnTimelockAbi,
  dvpnTokenAbi,
  mockStablecoinAbi,
  providerRegistryAbi,
  sessionEscrowAbi,
} from "../abi/index.ts";
import type { DvpnContext } from "../client/types.ts";
import type { ContractName } from "../deployment/types.ts";
import { InvalidDeploymentError } from "../errors/deployment.ts";

/** Every custom error of every protocol contract, once each, to decode reverts that bubble up across contracts. */
export const errorsAbi: AbiError[] = (() => {
  const seen = new Map<string, AbiError>();
  for (const abi of [
    providerRegistryAbi,
    sessionEscrowAbi,
    dvpnGovernorAbi,
    dvpnTimelockAbi,
    dvpnTokenAbi,
    mockStablecoinAbi,
  ] as readonly Abi[]) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const sig = `${item.name}(${item.inputs.map((i) => i.type).join(",")})`;
      if (!seen.has(sig)) seen.set(sig, item);
    }
  }
  return [...seen.values()];
})();

/**
 * The protocol's contract addresses from a client's deployment, read when used: a record parsed
 * with only some contracts (`parseDeployment(json, { contracts })`, a provider's daemon) serves
 * the actions on those, and an action on another one fails naming it.
 */
export function addresses(client: DvpnContext): {
  token: Address;
  paymentToken: Address;
  registry: Address;
  escrow: Address;
  governor: Address;
  timelock: Address;
} {
  const c = client.deployment.contracts as Partial<DvpnContext["deployment"]["contracts"]>;
  const at = (name: ContractName): Address => {
    const address = c[name]?.address;
    if (!address) throw new InvalidDeploymentError(`the deployment record has no ${name} address`);
    return address;
  };
  return {
    get token() {
      return at("DVPNToken");
    },
    get paymentToken() {
      return at("PaymentToken");
    },
    get registry() {
      return at("ProviderRegistry");
    },
    get escrow() {
      return at("SessionEscrow");
    },
    get governor() {
      return at("DVPNGovernor");
    },
    get timelock() {
      return at("DVPNTimelock");
    },
  };
}
