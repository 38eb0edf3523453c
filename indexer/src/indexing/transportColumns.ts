/**
 * The provider columns a `TransportUpdated` event sets: the kind's name (`none`, `v2ray`), the
 * port, the certificate hash and the client id, which the feed's `transport` filter and field read.
 */
import type { Hex } from "viem";
import { transportFromChain } from "../../../sdk/src/transport/offer.ts";

/** Columns for a published (or withdrawn) offer. */
export function transportColumns(a: Record<string, unknown>): {
  transport: string;
  transportPort: number;
  transportCertSha256: string;
  transportClientId: string;
} {
  const offer = transportFromChain({
    kind: Number(a.kind),
    port: Number(a.port),
    certSha256: a.certSha256 as Hex,
    clientId: a.clientId as Hex,
  });
  if (!offer) return { transport: "none", transportPort: 0, transportCertSha256: "", transportClientId: "" };
  return {
    transport: offer.kind,
    transportPort: offer.port,
    transportCertSha256: offer.certSha256,
    transportClientId: offer.clientId,
  };
}
