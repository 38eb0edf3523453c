/**
 * The obfuscated transport a provider offers, as `ProviderRegistry.setTransport` publishes it:
 * a kind (1: V2Ray VLESS over WebSocket and TLS), the TCP port on the endpoint's host, the
 * SHA-256 of the server's TLS certificate (DER) that clients pin, and the VLESS client id.
 */
import { isHex, type Hex } from "viem";
import { InvalidInputError } from "../errors/input.ts";

/** Transport kinds by their on-chain code (index). */
export const TRANSPORT_KINDS = ["none", "v2ray"] as const;
/** A transport kind's name. */
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

/** A published transport offer (kind `v2ray`). */
export interface TransportOffer {
  kind: Exclude<TransportKind, "none">;
  /** TCP port on the provider endpoint's host (443 looks like any HTTPS server). */
  port: number;
  /** SHA-256 of the server certificate's DER bytes, 0x + 64 hex digits. */
  certSha256: Hex;
  /** The VLESS client id, a UUID such as `1390b9d6-a461-36b4-e51e-fbe72fb69e5f`. */
  clientId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `1390b9d6-…` → `0x1390b9d6…` (bytes16). @throws InvalidInputError when it is not a UUID. */
export function clientIdToBytes16(clientId: string): Hex {
  const id = clientId.trim().toLowerCase();
  if (!UUID.test(id))
    throw new InvalidInputError({
      field: "clientId",
      value: clientId.slice(0, 64),
      reason: "must be a UUID such as 1390b9d6-a461-36b4-e51e-fbe72fb69e5f",
    });
  return `0x${id.replace(/-/g, "")}`;
}

/** `0x1390b9d6…` (bytes16) → `1390b9d6-a461-…`. */
export function bytes16ToClientId(b: Hex): string {
  const h = b.slice(2).toLowerCase().padStart(32, "0");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Checks an offer before it is published or used.
 * @param o the offer.
 * @returns the same offer, with the certificate hash and client id in lower case.
 * @throws InvalidInputError naming the bad field.
 * @example checkTransportOffer({ kind: "v2ray", port: 443, certSha256: "0xab…", clientId: "1390b9d6-…" })
 */
export function checkTransportOffer(o: TransportOffer): TransportOffer {
  if (o.kind !== "v2ray") throw new InvalidInputError({ field: "kind", value: o.kind, reason: "must be v2ray" });
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)
    throw new InvalidInputError({ field: "port", value: o.port, reason: "must be 1-65535" });
  if (!isHex(o.certSha256) || o.certSha256.length !== 66 || /^0x0+$/.test(o.certSha256))
    throw new InvalidInputError({
      field: "certSha256",
      value: o.certSha256,
      reason: "must be 0x + 64 hex digits, the SHA-256 of the certificate's DER bytes",
    });
  if (/^0+$/.test(clientIdToBytes16(o.clientId).slice(2)))
    throw new InvalidInputError({ field: "clientId", value: o.clientId, reason: "must not be all zero" });
  return { ...o, certSha256: o.certSha256.toLowerCase() as Hex, clientId: o.clientId.trim().toLowerCase() };
}

/**
 * The offer in the registry's words (`transportOf` / `TransportUpdated`), or undefined for kind 0.
 * @param raw kind code, port, certificate hash and client id as the contract returns them.
 */
export function transportFromChain(raw: {
  kind: number;
  port: number;
  certSha256: Hex;
  clientId: Hex;
}): TransportOffer | undefined {
  const kind = TRANSPORT_KINDS[raw.kind];
  if (kind === undefined || kind === "none") return undefined;
  return {
    kind,
    port: raw.port,
    certSha256: raw.certSha256.toLowerCase() as Hex,
    clientId: bytes16ToClientId(raw.clientId),
  };
}

/**
 * An offer in words, as the CLI and the explorer show it (the certificate pin is shown beside it).
 * @param offer a published offer, or null/undefined when the provider offers none.
 * @returns e.g. `v2ray (VLESS over WebSocket and TLS) on TCP 443`, or `none offered`.
 * @example describeTransport({ kind: "v2ray", port: 443 }) // "v2ray (VLESS over WebSocket and TLS) on TCP 443"
 */
export function describeTransport(offer: { kind: string; port: number } | null | undefined): string {
  if (!offer || offer.kind === "none") return "none offered";
  const what = offer.kind === "v2ray" ? "v2ray (VLESS over WebSocket and TLS)" : offer.kind;
  return `${what} on TCP ${offer.port}`;
}

/**
 * The WebSocket path a provider's V2Ray server answers on, derived from its client id so that
 * no path is the same on every provider (a fixed path would be one more thing to match).
 * @param clientId the VLESS client id.
 */
export function transportPath(clientId: string): string {
  return `/${clientIdToBytes16(clientId).slice(2, 18)}`;
}
