/**
 * The transport server's supervisor with the real v2ray on loopback: credentials made once and
 * kept, the server answering TLS with the certificate whose hash is published, started again
 * when killed, adopted (not restarted) by a second supervisor with the same config, and stopped
 * by destroy().
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchPinnedCertificate } from "../../../sdk/src/transport/fetchPinnedCertificate.ts";
import { ensureTransportCredentials, transportFiles } from "./credentials.ts";
import { createTransportServer } from "./server.ts";

const missing = (() => {
  try {
    execFileSync("sh", ["-c", "command -v v2ray && command -v v2ctl"]);
    return undefined;
  } catch {
    return "v2ray is missing (apt-get install -y v2ray)";
  }
})();
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const alive = (pid: number | undefined) => {
  try {
    return pid !== undefined && (process.kill(pid, 0), true);
  } catch {
    return false;
  }
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe("transport server supervisor (real v2ray, loopback)", { skip: missing }, () => {
  it(
    "serves the pinned certificate, comes back when killed, is adopted, and stops on destroy",
    { timeout: 60_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dvpn-transport-agent-"));
      const servers: ReturnType<typeof createTransportServer>[] = [];
      try {
        const credentials = await ensureTransportCredentials({
          dataDir,
          v2ctl: "v2ctl",
          serverName: "www.supervised.test",
        });
        assert.equal(credentials.created, true);
        assert.equal(statSync(credentials.keyFile).mode & 0o077, 0, "the key is readable by others");
        const again = await ensureTransportCredentials({ dataDir, v2ctl: "v2ctl" });
        assert.deepEqual({ ...again, created: true }, credentials, "credentials are kept across starts");
        assert.equal(again.created, false);

        const port = await freePort();
        const params = {
          dataDir,
          credentials,
          port,
          listen: "127.0.0.1",
          wgPort: 51820,
          v2ray: "v2ray",
          watchMs: 200,
          log: quiet,
        };
        const server = createTransportServer(params);
        servers.push(server);
        await server.start();
        const first = server.pid();
        assert.ok(alive(first));
        const pinned = await fetchPinnedCertificate({ host: "127.0.0.1", port, certSha256: credentials.certSha256 });
        assert.equal(pinned.serverName, "www.supervised.test");

        process.kill(first!, "SIGKILL");
        for (const deadline = Date.now() + 15_000; !(server.pid() !== first && alive(server.pid()));) {
          assert.ok(Date.now() < deadline, "v2ray was not started again");
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(server.restarts(), 1);
        await fetchPinnedCertificate({ host: "127.0.0.1", port, certSha256: credentials.certSha256 });

        server.release(); // an agent restart: v2ray keeps serving, the next supervisor adopts it
        const next = createTransportServer(params);
        servers.push(next);
        await next.start();
        assert.equal(next.pid(), server.pid(), "a running v2ray with the same config was restarted");
        next.destroy();
        const pid = server.pid();
        for (const deadline = Date.now() + 5_000; alive(pid) && Date.now() < deadline;)
          await new Promise((r) => setTimeout(r, 50));
        assert.equal(alive(pid), false, "destroy left v2ray running");
        assert.throws(() => statSync(transportFiles(dataDir).pid));
      } finally {
        for (const s of servers) s.destroy();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
