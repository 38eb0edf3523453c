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

/** The protocol's contract addresses from a client's deployment. */
export function addresses(client: DvpnContext): {
  token: Address;
  paymentToken: Address;
  registry: Address;
  escrow: Address;
  governor: Address;
  timelock: Address;
} {
  const c = client.deployment.contracts;
  return {
    token: c.DVPNToken.address,
    paymentToken: c.PaymentToken.address,
    registry: c.ProviderRegistry.address,
    escrow: c.SessionEscrow.address,
    governor: c.DVPNGovernor.address,
    timelock: c.DVPNTimelock.address,
  };
}
