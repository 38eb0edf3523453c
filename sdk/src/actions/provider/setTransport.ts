import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { writeAndWait } from "../../internal/write.ts";
import { checkTransportOffer, clientIdToBytes16, TRANSPORT_KINDS, type TransportOffer } from "../../transport/offer.ts";

/** Parameters of {@link setTransport}. */
export interface SetTransportParameters {
  /** The offer; `null` withdraws it. */
  offer: TransportOffer | null;
}

const ZERO32 = `0x${"00".repeat(32)}` as const;
const ZERO16 = `0x${"00".repeat(16)}` as const;

/**
 * Publishes the obfuscated transport that carries the caller's WireGuard
 * (`ProviderRegistry.setTransport`), where the feed and clients read it. The offer is checked
 * first, so a bad one costs no gas.
 * @param client a DvpnClient with a registered provider's account.
 * @param params the offer, or null to withdraw it.
 * @returns the transaction and its receipt.
 * @throws InvalidInputError when the offer is malformed.
 * @example await setTransport(client, { offer: { kind: "v2ray", port: 443, certSha256: "0x…", clientId: "1390b9d6-…" } })
 */
export async function setTransport(client: DvpnContext, params: SetTransportParameters): Promise<WriteResult> {
  const o = params.offer ? checkTransportOffer(params.offer) : undefined;
  return writeAndWait(client, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "setTransport",
    args: o
      ? [TRANSPORT_KINDS.indexOf(o.kind), o.port, o.certSha256, clientIdToBytes16(o.clientId)]
      : [0, 0, ZERO32, ZERO16],
  });
}
