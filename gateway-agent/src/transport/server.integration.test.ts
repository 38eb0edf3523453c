/**
 * The transport server's supervisor with the real v2ray on loopback: credentials made once and
 * kept, the server answering TLS with the certificate whose hash is published, started again
 * when killed, adopted (not restarted) by a second supervisor with the same config, and stopped
 * by destroy(); a config change waits for the old one to free the port; a start that fails leaves
 * nothing running; a config without transport stops the one an earlier run left (never a process
 * that merely has its old pid).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchPinnedCertificate } from "../../../sdk/src/transport/fetchPinnedCertificate.ts";
import { configSchema } from "../config/schema.ts";
import { ensureTransportCredentials, transportFiles } from "./credentials.ts";
import { transportFromConfig } from "./fromConfig.ts";
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
/** Runs (a zombie that its parent, maybe this process, has not reaped yet has ended). */
const alive = (pid: number | undefined) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return pid !== undefined && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

async function gone(pid: number | undefined, ms = 8_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; alive(pid) && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

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

  it(
    "a config change waits for the old v2ray; a failed start leaves nothing; transport none stops a leftover",
    { timeout: 90_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dvpn-transport-agent-"));
      const servers: ReturnType<typeof createTransportServer>[] = [];
      const strays: number[] = [];
      try {
        const credentials = await ensureTransportCredentials({ dataDir, v2ctl: "v2ctl", serverName: "www.t.test" });
        const port = await freePort();
        const params = { dataDir, credentials, port, listen: "127.0.0.1", wgPort: 51820, v2ray: "v2ray", log: quiet };
        // The old server holds the port for a second after SIGTERM (as a server draining its connections).
        const slow = join(dataDir, "slow-v2ray");
        writeFileSync(
          slow,
          `#!${process.execPath}
require("node:net").createServer().listen(${port}, "127.0.0.1", () => console.log("V2Ray 0 started"));
process.on("SIGTERM", () => setTimeout(() => process.exit(0), 1000));
`,
        );
        chmodSync(slow, 0o755);
        const first = createTransportServer({ ...params, v2ray: slow });
        servers.push(first);
        await first.start();
        first.release();

        // Same port, another config: the old one must have let go of the port before the new one binds it.
        const changed = createTransportServer({ ...params, wgPort: 51821 });
        servers.push(changed);
        await changed.start();
        assert.notEqual(changed.pid(), first.pid());
        assert.equal(alive(first.pid()), false, "the old v2ray still runs");
        await fetchPinnedCertificate({ host: "127.0.0.1", port, certSha256: credentials.certSha256 });
        changed.release();

        // A "v2ray" that never says it started, with a child of its own: the whole group is killed.
        const fake = join(dataDir, "fake-v2ray");
        const grandchild = join(dataDir, "grandchild.pid");
        writeFileSync(fake, `#!/bin/sh\nsleep 60 &\necho $! > ${grandchild}\nwait\n`);
        chmodSync(fake, 0o755);
        const failing = createTransportServer({
          ...params,
          dataDir: join(dataDir, "fail"),
          v2ray: fake,
          startTimeoutMs: 1_000,
        });
        await assert.rejects(failing.start(), /v2ray did not start/);
        const orphan = Number(readFileSync(grandchild, "utf8"));
        strays.push(orphan);
        assert.ok(await gone(orphan, 3_000), "a failed start left its process group running");

        // The config now offers no transport: the v2ray left serving is stopped, with a hint to withdraw the offer.
        const warnings: string[] = [];
        const log = { ...quiet, warn: (_o: object, m: string) => void warnings.push(m) };
        const none = configSchema.parse({
          rpcUrl: "http://127.0.0.1:8545",
          deployment: "d.json",
          privateKeyFile: "key",
          transport: "none",
        });
        const left = changed.pid();
        assert.ok(alive(left));
        assert.equal(await transportFromConfig(none, dataDir, log), undefined);
        assert.equal(alive(left), false, "transport none left v2ray serving");
        assert.match(warnings.join("\n"), /dvpn provider transport --kind none/);
        assert.throws(() => statSync(transportFiles(dataDir).pid));

        // A pid file naming a process that is not this v2ray (a recycled pid) kills nothing.
        const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
        strays.push(sleeper.pid!);
        writeFileSync(transportFiles(dataDir).pid, `${sleeper.pid}\n`);
        warnings.length = 0;
        assert.equal(await transportFromConfig(none, dataDir, log), undefined);
        assert.ok(alive(sleeper.pid), "a process that is not v2ray was killed");
        assert.deepEqual(warnings, []);
      } finally {
        for (const s of servers) s.destroy();
        for (const pid of strays) if (alive(pid)) process.kill(pid, "SIGKILL");
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
