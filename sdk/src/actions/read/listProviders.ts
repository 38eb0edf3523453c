import type { Address } from "viem";
import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { toDvpnError } from "../../errors/contract.ts";
import { addresses } from "../../internal/contracts.ts";
import { read } from "../../internal/write.ts";
import { getProvider, type ProviderRecord } from "./getProvider.ts";

/** A provider's chain record with its current availability. */
export type ListedProvider = ProviderRecord & { available: boolean };

/**
 * Lists every registered provider straight from the chain (ProviderRegistered logs since the
 * deployment, then each current record). Fine for local and small deployments; the indexer
 * feed ({@link findProviders}) is the scalable way, with reputation and filters.
 * @param client a DvpnClient.
 * @returns registered providers with their availability, in registration order.
 * @example const available = (await listProviders(client)).filter((p) => p.available)
 */
export async function listProviders(client: DvpnContext): Promise<ListedProvider[]> {
  const registry = addresses(client).registry;
  let logs;
  try {
    logs = await client.publicClient.getContractEvents({
      address: registry,
      abi: providerRegistryAbi,
      eventName: "ProviderRegistered",
      fromBlock: BigInt(client.deployment.startBlock),
      toBlock: "latest",
    });
  } catch (err) {
    throw toDvpnError(err, "getLogs ProviderRegistered");
  }
  const seen = new Set<Address>();
  for (const log of logs) if (log.args.provider) seen.add(log.args.provider);
  const out: ListedProvider[] = [];
  for (const provider of seen) {
    const record = await getProvider(client, { provider });
    if (!record.registered) continue;
    const available = await read(client.publicClient, {
      address: registry,
      abi: providerRegistryAbi,
      functionName: "isAvailable",
      args: [provider],
    });
    out.push({ ...record, available });
  }
  return out;
}
