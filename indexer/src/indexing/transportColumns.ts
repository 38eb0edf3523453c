/**
 * The provider columns a `TransportUpdated` event sets: the kind's name (`none`, `v2ray`), the
 * port, the certificate hash and the client id, which the feed's `transport` filter and field read.
 */
import { transportFromChain } from "../../../sdk/src/transport/offer.ts";
import type { EventArgs } from "./decodeLogs.ts";

/** Columns for a published (or withdrawn) offer. */
export function transportColumns(a: EventArgs<"registry", "TransportUpdated">): {
  transport: string;
  transportPort: number;
  transportCertSha256: string;
  transportClientId: string;
} {
  const offer = transportFromChain({ kind: a.kind, port: a.port, certSha256: a.certSha256, clientId: a.clientId });
  if (!offer) return { transport: "none", transportPort: 0, transportCertSha256: "", transportClientId: "" };
  return {
    transport: offer.kind,
    transportPort: offer.port,
    transportCertSha256: offer.certSha256,
    transportClientId: offer.clientId,
  };
}
