import type { Address } from "viem";
import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkAddress } from "../../internal/validate.ts";
import { read } from "../../internal/write.ts";

/**
 * Whether a session can be opened with `provider` right now: registered, not paused, stake
 * at least minStake, fresh heartbeat and below capacity.
 * @param client a DvpnClient.
 * @param params the provider's address.
 * @returns `ProviderRegistry.isAvailable(provider)`.
 * @example if (await isProviderAvailable(client, { provider })) await client.openSession({ ... })
 */
export async function isProviderAvailable(client: DvpnContext, params: { provider: Address }): Promise<boolean> {
  return read(client.publicClient, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "isAvailable",
    args: [checkAddress(params.provider, "provider")],
  });
}
