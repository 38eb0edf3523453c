import type { Address } from "viem";
import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkAddress } from "../../internal/validate.ts";
import { read } from "../../internal/write.ts";
import { transportFromChain, type TransportOffer } from "../../transport/offer.ts";

/** Parameters of {@link getTransport}. */
export interface GetTransportParameters {
  /** The provider's address. */
  provider: Address;
}

/**
 * Reads the obfuscated transport a provider offers (`ProviderRegistry.transportOf`).
 * @param client a DvpnClient.
 * @param params the provider's address.
 * @returns the offer, or undefined when it offers none.
 * @example const offer = await getTransport(client, { provider: "0x…" }) // { kind: "v2ray", port: 443, … }
 */
export async function getTransport(
  client: DvpnContext,
  params: GetTransportParameters,
): Promise<TransportOffer | undefined> {
  const provider = checkAddress(params.provider, "provider");
  const [kind, port, certSha256, clientId] = await read(client.publicClient, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "transportOf",
    args: [provider],
  });
  return transportFromChain({ kind, port, certSha256, clientId });
}
