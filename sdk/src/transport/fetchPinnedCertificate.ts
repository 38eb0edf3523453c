/**
 * Reads a transport server's TLS certificate and checks it against the hash its provider
 * published on chain, before any V2Ray traffic: a censor in the middle that answers with its own
 * certificate is refused here, so it never sees the WireGuard packets inside the TLS stream.
 */
import { isIP } from "node:net";
import { connect } from "node:tls";
import type { Hex } from "viem";
import { DvpnError } from "../errors/base.ts";
import { certificateServerName, certificateSha256, derToPem } from "./certificate.ts";

/** The server's certificate is not the pinned one, or it could not be read. */
export class TransportCertificateError extends DvpnError {
  override name = "TransportCertificateError";
}

/**
 * Connects once over TLS (no verification by a CA: the pin is the check), reads the server's
 * certificate and compares its SHA-256 with `certSha256`.
 * @param p the server's host and port, the pin and a timeout (default 10 s).
 * @returns the certificate (PEM) and the name it is issued for (the SNI to send).
 * @throws {TransportCertificateError} when the hash differs, the server is unreachable or slow.
 * @example const { pem, serverName } = await fetchPinnedCertificate({ host: "203.0.113.5", port: 443, certSha256: "0x…" })
 */
export function fetchPinnedCertificate(p: {
  host: string;
  port: number;
  certSha256: Hex;
  timeoutMs?: number;
}): Promise<{ pem: string; serverName: string }> {
  const where = `${p.host.includes(":") ? `[${p.host}]` : p.host}:${p.port}`;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: p.host,
      port: p.port,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
      ...(isIP(p.host) ? {} : { servername: p.host }),
    });
    const fail = (why: string) => {
      socket.destroy();
      reject(new TransportCertificateError(`transport server ${where}: ${why}`));
    };
    socket.setTimeout(p.timeoutMs ?? 10_000, () => fail("no TLS answer in time"));
    socket.once("error", (err) => fail(err.message));
    socket.once("secureConnect", () => {
      const der = socket.getPeerCertificate(false).raw;
      socket.end();
      if (!der) return fail("sent no certificate");
      const got = certificateSha256(der);
      if (got !== p.certSha256.toLowerCase())
        return fail(
          `its certificate (sha256 ${got}) is not the one the provider published (${p.certSha256}); not connecting`,
        );
      const serverName = certificateServerName(der);
      if (!serverName) return fail("its certificate names no server");
      resolve({ pem: derToPem(der), serverName });
    });
  });
}
