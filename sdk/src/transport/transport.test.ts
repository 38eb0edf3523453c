import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:tls";
import type { AddressInfo } from "node:net";
import { InvalidInputError } from "../errors/input.ts";
import { certificateServerName, certificateSha256 } from "./certificate.ts";
import { fetchPinnedCertificate, TransportCertificateError } from "./fetchPinnedCertificate.ts";
import {
  bytes16ToClientId,
  checkTransportOffer,
  clientIdToBytes16,
  transportFromChain,
  transportPath,
} from "./offer.ts";
import { renderV2rayClientConfig, renderV2rayServerConfig } from "./v2rayConfig.ts";

const ID = "1390b9d6-a461-36b4-e51e-fbe72fb69e5f";
const CERT = `0x${"ab".repeat(32)}` as const;

describe("transport offer", () => {
  it("client ids round-trip through bytes16; bad ones are refused", () => {
    assert.equal(clientIdToBytes16(ID), "0x1390b9d6a46136b4e51efbe72fb69e5f");
    assert.equal(bytes16ToClientId(clientIdToBytes16(ID)), ID);
    assert.throws(() => clientIdToBytes16("not-a-uuid"), InvalidInputError);
  });

  it("checkTransportOffer refuses a bad kind, port, hash or an all-zero id", () => {
    const good = { kind: "v2ray" as const, port: 443, certSha256: CERT, clientId: ID.toUpperCase() };
    assert.equal(checkTransportOffer(good).clientId, ID);
    assert.throws(() => checkTransportOffer({ ...good, port: 0 }), /port/);
    assert.throws(() => checkTransportOffer({ ...good, certSha256: `0x${"00".repeat(32)}` }), /certSha256/);
    assert.throws(() => checkTransportOffer({ ...good, certSha256: "0xab" }), /certSha256/);
    assert.throws(() => checkTransportOffer({ ...good, clientId: "00000000-0000-0000-0000-000000000000" }), /zero/);
    assert.throws(() => checkTransportOffer({ ...good, kind: "obfs4" as "v2ray" }), /kind/);
  });

  it("transportFromChain: kind 0 and unknown kinds are no offer", () => {
    const raw = { port: 443, certSha256: CERT, clientId: clientIdToBytes16(ID) };
    assert.equal(transportFromChain({ kind: 0, ...raw }), undefined);
    assert.equal(transportFromChain({ kind: 9, ...raw }), undefined);
    assert.deepEqual(transportFromChain({ kind: 1, ...raw }), {
      kind: "v2ray",
      port: 443,
      certSha256: CERT,
      clientId: ID,
    });
  });
});

describe("v2ray configs", () => {
  it("the server forwards only to the local WireGuard port and refuses TCP; the client marks its sockets", () => {
    const server = JSON.parse(
      renderV2rayServerConfig({ port: 443, clientId: ID, certificateFile: "c", keyFile: "k", wgPort: 51820 }),
    );
    assert.deepEqual(server.outbounds[0].settings, { redirect: "127.0.0.1:51820" });
    assert.equal(server.routing.rules[0].outboundTag, "refused");
    assert.equal(server.inbounds[0].streamSettings.wsSettings.path, transportPath(ID));
    assert.equal(server.log.access, "none");
    const client = JSON.parse(
      renderV2rayClientConfig({
        localPort: 40000,
        server: "203.0.113.5",
        port: 443,
        clientId: ID,
        serverName: "www.example.com",
        certificateFile: "pin.pem",
        mark: 51820,
        wgPort: 51820,
      }),
    );
    assert.equal(client.inbounds[0].listen, "127.0.0.1");
    assert.equal(client.inbounds[0].settings.network, "udp");
    const stream = client.outbounds[0].streamSettings;
    assert.deepEqual(stream.sockopt, { mark: 51820 });
    assert.equal(stream.tlsSettings.disableSystemRoot, true);
    assert.deepEqual(stream.tlsSettings.certificates, [{ usage: "verify", certificateFile: "pin.pem" }]);
  });
});

const hasV2ctl = (() => {
  try {
    execFileSync("sh", ["-c", "command -v v2ctl"]);
    return true;
  } catch {
    return false;
  }
})();

describe("fetchPinnedCertificate", { skip: hasV2ctl ? false : "v2ctl is missing (apt-get install -y v2ray)" }, () => {
  it("returns the certificate whose hash is pinned, and refuses any other", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dvpn-pin-"));
    try {
      execFileSync("v2ctl", ["cert", "--domain=www.pinned.test", "--name=www.pinned.test", `--file=${join(dir, "t")}`]);
      const pem = readFileSync(join(dir, "t_cert.pem"), "utf8");
      // v2ctl labels its PKCS#8 key "RSA PRIVATE KEY" (v2ray reads it anyway); OpenSSL wants the right label.
      const key = readFileSync(join(dir, "t_key.pem"), "utf8").replace(/RSA PRIVATE KEY/g, "PRIVATE KEY");
      const server = createServer({ cert: pem, key }, (s) => s.end());
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      const port = (server.address() as AddressInfo).port;
      try {
        const got = await fetchPinnedCertificate({ host: "127.0.0.1", port, certSha256: certificateSha256(pem) });
        assert.equal(certificateSha256(got.pem), certificateSha256(pem));
        assert.equal(got.serverName, "www.pinned.test");
        assert.equal(certificateServerName(pem), "www.pinned.test");
        await assert.rejects(
          fetchPinnedCertificate({ host: "127.0.0.1", port, certSha256: CERT }),
          (err: Error) =>
            err instanceof TransportCertificateError && /not the one the provider published/.test(err.message),
        );
      } finally {
        server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
