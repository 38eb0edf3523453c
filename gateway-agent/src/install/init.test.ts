/**
 * `initProvider` (behind `dvpn provider init`): keys with mode 0600 that survive a re-run, an
 * agent.json the agent loads as is (firewall on), bad options refused by name, an existing
 * configuration kept without --force, and a unit file that `systemd-analyze verify` accepts
 * where systemd is installed.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadConfig } from "../config/load.ts";
import { ConfigError } from "../errors.ts";
import { initProvider } from "./init.ts";

const dir = mkdtempSync(join(tmpdir(), "provider-init-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const deployment = join(dir, "31337.json");
const address = `0x${"11".repeat(20)}`;
writeFileSync(
  deployment,
  JSON.stringify({
    chainId: 31337,
    startBlock: 1,
    contracts: { ProviderRegistry: { address }, SessionEscrow: { address } },
  }),
);
const params = {
  dir: join(dir, "etc"),
  dataDir: join(dir, "var"),
  unitDir: join(dir, "units"),
  rpcUrl: "http://127.0.0.1:8545",
  deployment,
  options: { uplink: "eth0", peerRateLimitMbit: "100" },
};

test("keys 0600, a loadable agent.json with the firewall on, a unit; re-runs keep the keys", () => {
  const r = initProvider(params);
  assert.ok(r.providerKeyCreated && r.wgKeyCreated);
  for (const f of [r.files.providerKey, r.files.wgKey]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
  const config = loadConfig({ argv: ["--config", r.files.config] });
  assert.equal(config.firewall, true);
  assert.equal(config.uplink, "eth0");
  assert.equal(config.peerRateLimitMbit, 100);
  assert.deepEqual(config.exitDenyPorts, [{ from: 25, to: 25 }]);
  const unit = readFileSync(r.files.unit, "utf8");
  assert.match(unit, /^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE$/m);
  assert.match(unit, /^NoNewPrivileges=yes$/m);
  assert.match(unit, /^ProtectSystem=strict$/m);
  assert.match(unit, /^KillMode=process$/m);
  assert.ok(unit.includes(`--config ${r.files.config}`));

  assert.throws(
    () => initProvider(params),
    (e: Error) => e instanceof ConfigError && /pass --force/.test(e.message),
  );
  const again = initProvider({ ...params, force: true });
  assert.equal(again.provider, r.provider, "the provider key is kept");
  assert.equal(again.wgPublicKey, r.wgPublicKey, "the WireGuard key is kept");
  assert.ok(!again.providerKeyCreated && !again.wgKeyCreated);
});

test("bad options and a bad deployment are refused before anything is written", () => {
  const other = { ...params, dir: join(dir, "etc2"), unitDir: join(dir, "units2") };
  assert.throws(
    () => initProvider({ ...other, options: { exitDenyPorts: "25,70000" } }),
    (e: Error) => e instanceof ConfigError && /exitDenyPorts/.test(e.message),
  );
  assert.throws(
    () => initProvider({ ...other, deployment: join(dir, "missing.json") }),
    (e: Error) => e instanceof ConfigError && /cannot be read/.test(e.message),
  );
  assert.throws(() => statSync(join(dir, "etc2")), "nothing written");
});

test("the unit passes systemd-analyze verify", async (t) => {
  const exec = promisify(execFile);
  try {
    await exec("systemd-analyze", ["--version"]);
  } catch {
    t.skip("systemd-analyze is not installed");
    return;
  }
  const unit = join(dir, "units", "dvpn-agent.service");
  const r = await exec("systemd-analyze", ["verify", unit]).then(
    (o) => ({ code: 0, stderr: o.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /dvpn-agent\.service:\d+:/, "no warning about a line of the unit");
});
