import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { loadConfig } from "./load.ts";

test("precedence is flag > env > file > default", () => {
  const dir = mkdtempSync(join(tmpdir(), "agent-cfg-"));
  try {
    const file = join(dir, "agent.json");
    writeFileSync(
      file,
      JSON.stringify({
        rpcUrl: "http://file:1",
        deployment: "d.json",
        privateKeyFile: "k",
        confirmations: 7,
        interface: "fromfile",
      }),
    );
    const c = loadConfig({
      argv: ["--config", file, "--confirmations=3"],
      env: { DVPN_AGENT_CONFIRMATIONS: "5", DVPN_AGENT_INTERFACE: "fromenv", DVPN_AGENT_RPC_URL: "http://env:2" },
    });
    assert.equal(c.confirmations, 3);
    assert.equal(c.interface, "fromenv");
    assert.equal(c.rpcUrl, "http://env:2");
    assert.equal(c.wgListenPort, 51820);
    assert.equal(c.lagToleranceBytes, 1n << 20n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad values are named with their flag and env variable", () => {
  const base = ["--rpc-url", "http://x:1", "--deployment", "d.json", "--private-key-file", "k"];
  assert.throws(
    () => loadConfig({ argv: [...base, "--wg-listen-port", "70000"] }),
    /wgListenPort.*--wg-listen-port.*DVPN_AGENT_WG_LISTEN_PORT/s,
  );
  assert.throws(() => loadConfig({ argv: [...base, "--interface", "-evil"] }), /interface/);
  assert.throws(() => loadConfig({ argv: [...base, "--voucher-listen", "nope"] }), /voucherListen/);
  assert.throws(() => loadConfig({ argv: [...base, "--claim-every-amount", "-1"] }), /claimEveryAmount/);
  assert.throws(() => loadConfig({ argv: [...base, "--no-such-thing", "1"] }), /unknown option --no-such-thing/);
  assert.throws(() => loadConfig({ argv: ["--rpc-url", "http://x:1", "--deployment", "d.json"] }), /privateKeyFile/);
  assert.throws(() => loadConfig({ argv: ["--config", "/nonexistent/agent.json"] }), ConfigError);
  assert.throws(
    () => loadConfig({ overrides: { rpcUrl: "http://x:1", deployment: "d", privateKeyFile: "k", typo: 1 } }),
    ConfigError,
  );
});

test("a validated configuration validates again unchanged (in-process embedding)", async () => {
  const { validateConfig } = await import("./load.ts");
  const c = loadConfig({
    argv: ["--rpc-url", "http://x:1", "--deployment", "d.json", "--private-key-file", "k", "--claim-every-amount", "5"],
  });
  assert.deepEqual(validateConfig(c), c);
  assert.equal(validateConfig(c).claimEveryAmount, 5n);
});
