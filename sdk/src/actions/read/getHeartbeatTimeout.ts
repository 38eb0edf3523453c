import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { read } from "../../internal/write.ts";

/**
 * How long a provider stays available after its last heartbeat (`ProviderRegistry.heartbeatTimeout`).
 * Needs only the registry's address (a provider's daemon may hold no other).
 * @param client a DvpnClient.
 * @returns seconds.
 * @example const every = (await getHeartbeatTimeout(client)) / 3
 */
export async function getHeartbeatTimeout(client: DvpnContext): Promise<number> {
  const seconds = await read(client.publicClient, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "heartbeatTimeout",
  });
  return Number(seconds);
}
