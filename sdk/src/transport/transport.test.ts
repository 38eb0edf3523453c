import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  describeTransport,
  transportFromChain,
  transportPath,
} from "./offer.ts";
import { startTransportClient } from "./startTransportClient.ts";
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

  it("describeTransport says what an offer is, or that there is none", () => {
    const offer = { kind: "v2ray" as const, port: 443, certSha256: CERT, clientId: ID };
    assert.equal(describeTransport(offer), "v2ray (VLESS over WebSocket and TLS) on TCP 443");
    assert.equal(describeTransport({ ...offer, port: 8443 }), "v2ray (VLESS over WebSocket and TLS) on TCP 8443");
    assert.equal(describeTransport(null), "none offered");
    assert.equal(describeTransport(undefined), "none offered");
    assert.equal(describeTransport({ kind: "none", port: 0 }), "none offered");
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

/** The process group of `pid` (field 5 of /proc/<pid>/stat, after the parenthesised name). */
const processGroup = (pid: number | "self") =>
  Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[2]);
const running = (pid: number) => {
  try {
    return process.kill(pid, 0);
  } catch {
    return false;
  }
};
async function waitGone(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; running(pid) && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 50));
  return !running(pid);
}

const hasV2ray = (() => {
  try {
    execFileSync("sh", ["-c", "command -v v2ray && command -v v2ctl"]);
    return undefined;
  } catch {
    return "v2ray is missing (apt-get install -y v2ray)";
  }
})();

describe("transport client process (real v2ray, loopback)", { skip: hasV2ray }, () => {
  it("runs v2ray outside the terminal's process group, ends it on stop() and when the process exits or dies", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dvpn-client-"));
    execFileSync("v2ctl", ["cert", "--domain=www.client.test", "--name=www.client.test", `--file=${join(dir, "t")}`]);
    const pem = readFileSync(join(dir, "t_cert.pem"), "utf8");
    const key = readFileSync(join(dir, "t_key.pem"), "utf8").replace(/RSA PRIVATE KEY/g, "PRIVATE KEY");
    const server = createServer({ cert: pem, key }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const offer = {
      kind: "v2ray" as const,
      port: (server.address() as AddressInfo).port,
      certSha256: certificateSha256(pem),
      clientId: ID,
    };
    const pids: number[] = [];
    try {
      const client = await startTransportClient({ offer, endpoint: "127.0.0.1:51820", mark: 0 });
      const pid = client.pid!;
      pids.push(pid);
      // A Ctrl-C goes to the terminal's foreground group (ours): v2ray leads a group of its own.
      assert.equal(processGroup(pid), pid);
      assert.notEqual(processGroup(pid), processGroup("self"));
      await client.stop();
      assert.ok(await waitGone(pid, 5_000), "stop() left v2ray running");

      // A process that exits without stop(), or is killed: its v2ray goes with it.
      const script = join(dir, "exit.ts");
      writeFileSync(
        script,
        `import { startTransportClient } from ${JSON.stringify(join(import.meta.dirname, "startTransportClient.ts"))};
const c = await startTransportClient(${JSON.stringify({ offer, endpoint: "127.0.0.1:51820", mark: 0 })});
console.log(c.pid);
if (process.argv[2] === "exit") process.exit(0);
setInterval(() => undefined, 1000);
`,
      );
      for (const how of ["exit", "SIGKILL"]) {
        const child = spawn(process.execPath, [...process.execArgv, script, how], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        const printed = new Promise<void>((r) =>
          child.stdout.on("data", (b: Buffer) => ((out += b.toString()), out.includes("\n") && r())),
        );
        const ended = new Promise((r) => child.once("exit", (code, signal) => r(code ?? signal)));
        await Promise.race([printed, ended]);
        const orphan = Number(out.trim());
        assert.ok(orphan > 0, `no pid printed: ${out}`);
        pids.push(orphan);
        if (how === "SIGKILL") child.kill("SIGKILL");
        assert.equal(await ended, how === "exit" ? 0 : "SIGKILL");
        assert.ok(await waitGone(orphan, 5_000), `v2ray outlived the process that started it (${how})`);
      }
    } finally {
      for (const pid of pids) if (running(pid)) process.kill(pid, "SIGKILL");
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
