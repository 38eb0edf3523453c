/** The connection state file: written whole with mode 0600, and a reused pid is not the client. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  isAlive,
  processStart,
  readConnectionState,
  writeConnectionState,
  type ConnectionState,
} from "./connectionState.ts";

const state = (pid: number, pidStart?: string): ConnectionState => ({
  pid,
  ...(pidStart === undefined ? {} : { pidStart }),
  chainId: 31337,
  escrow: `0x${"11".repeat(20)}`,
  sessionId: "7",
  provider: `0x${"22".repeat(20)}`,
  endpoint: "127.0.0.1:51820",
  providerKey: "k",
  config: "/etc/wireguard/dvpn0.conf",
  iface: "dvpn0",
  gateway: "10.77.0.1",
  deposit: "5000000",
  pricePerGiB: "50000",
  pricePerMinute: "1000",
  killSwitch: "dvpn_client",
  acceptedAt: 1,
});

test("the state file is written whole (0600, no temporary file left) and read back", () => {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-state-"));
  try {
    const path = join(dir, "state", "connection.json");
    const s = state(process.pid, processStart(process.pid));
    writeConnectionState(path, s);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, "state")), ["connection.json"]);
    assert.deepEqual(readConnectionState(path), s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a pid is the client only while it runs with the recorded start time", () => {
  const me = processStart(process.pid);
  assert.ok(me !== undefined && /^\d+$/.test(me), "start time read from /proc");
  assert.equal(isAlive(process.pid, me), true);
  assert.equal(isAlive(process.pid), true);
  // The same pid with another start time: a reused pid, not the client.
  assert.equal(isAlive(process.pid, String(Number(me) + 1)), false);
  // A process that has exited.
  const gone = spawnSync("true").pid!;
  assert.equal(isAlive(gone, undefined), false);
});

test("two hops record the exit's payer; a malformed one is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-state-"));
  try {
    const path = join(dir, "connection.json");
    const s: ConnectionState = {
      ...state(process.pid),
      entry: { sessionId: "6", provider: `0x${"44".repeat(20)}`, config: "/etc/wireguard/dvpn0e.conf" },
      exitPayer: `0x${"33".repeat(20)}`,
    };
    writeConnectionState(path, s);
    assert.equal(readConnectionState(path)?.exitPayer, s.exitPayer);
    writeConnectionState(path, { ...s, exitPayer: "nobody" });
    assert.throws(() => readConnectionState(path), /not a dvpn connection state/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
