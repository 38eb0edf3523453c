import type { Address } from "viem";
import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkAddress } from "../../internal/validate.ts";
import { read } from "../../internal/write.ts";

/** Parameters of {@link getExitPolicy}. */
export interface GetExitPolicyParameters {
  /** The provider's address. */
  provider: Address;
}

/**
 * Reads the exit policy a provider published (`ProviderRegistry.exitPolicyOf`), in its
 * published form; `""` when it published none or no restriction. Read it with `parseExitPolicy`.
 * @param client a DvpnClient.
 * @param params the provider's address.
 * @example const text = await getExitPolicy(client, { provider: "0x…" }) // "deny-ports=25"
 */
export async function getExitPolicy(client: DvpnContext, params: GetExitPolicyParameters): Promise<string> {
  const provider = checkAddress(params.provider, "provider");
  return read(client.publicClient, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "exitPolicyOf",
    args: [provider],
  });
}
