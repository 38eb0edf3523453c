/**
 * The TLS certificate pin of an obfuscated transport: the SHA-256 of the certificate's DER bytes,
 * published on chain by the provider and checked by the client before it trusts the server.
 */
import { createHash, X509Certificate } from "node:crypto";
import type { Hex } from "viem";

/**
 * SHA-256 of a certificate's DER bytes.
 * @param cert the certificate, PEM text or DER bytes.
 * @returns 0x + 64 hex digits.
 * @example certificateSha256(readFileSync("cert.pem", "utf8"))
 */
export function certificateSha256(cert: string | Uint8Array): Hex {
  const der = typeof cert === "string" ? new X509Certificate(cert).raw : cert;
  return `0x${createHash("sha256").update(der).digest("hex")}`;
}

/**
 * The first DNS name a certificate is issued for (its subjectAltName, else its CN): the TLS
 * server name a client asks for.
 * @param cert the certificate, PEM text or DER bytes.
 */
export function certificateServerName(cert: string | Uint8Array): string | undefined {
  const x = new X509Certificate(cert);
  const dns = /DNS:([^,\s]+)/.exec(x.subjectAltName ?? "")?.[1];
  return dns ?? /CN=([^\n,]+)/.exec(x.subject)?.[1];
}

/** DER bytes → PEM text. */
export function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
