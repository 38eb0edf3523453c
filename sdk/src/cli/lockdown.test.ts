/** Lockdown at the start of `connect --up` (one or two hops): recorded, its switch closed again only when gone. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AllowedFlow } from "./killSwitch.ts";
import { readLockdown, startLockdown } from "./lockdown.ts";

const rpc: AllowedFlow = { address: "127.0.0.1", port: 8545, protocol: "tcp" };

for (const active of [true, false]) {
  test(`lockdown is recorded; a switch that is ${active ? "on stays as it is" : "gone is enabled again"}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "dvpn-lockdown-"));
    try {
      const statePath = join(dir, "connection.json");
      const enabled: { iface: string; allow: AllowedFlow[] }[] = [];
      const lines: string[] = [];
      const table = await startLockdown(
        statePath,
        () => Promise.resolve([rpc]),
        (l) => lines.push(l),
        {
          active: () => Promise.resolve(active),
          enable: (p) => {
            enabled.push(p);
            return Promise.resolve("dvpn_client");
          },
        },
      );
      assert.equal(readLockdown(statePath)?.table, "dvpn_client");
      assert.equal(table, active ? undefined : "dvpn_client");
      assert.deepEqual(enabled, active ? [] : [{ iface: "lo", allow: [rpc] }]);
      assert.equal(lines.length, active ? 0 : 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
