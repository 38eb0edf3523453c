import { test } from "node:test";
import assert from "node:assert/strict";
import { validateConfig } from "../config/load.ts";
import { mockAgentConfig } from "../testing/mockConfig.ts";
import { publishedExitPolicy, warnIfUnpublished } from "./fromConfig.ts";

const config = validateConfig({
  ...mockAgentConfig({ privateKey: `0x${"42".repeat(32)}`, dataDir: "/nonexistent" }),
  firewall: true,
  exitDenyPorts: "25,465",
  exitDenyRanges: "10.0.0.0/8",
});

test("the agent warns once at start when the registry publishes another policy than it enforces", () => {
  const warnings: { o: object; m: string }[] = [];
  const log = { warn: (o: object, m: string) => void warnings.push({ o, m }) };
  const enforced = publishedExitPolicy(config);
  assert.equal(enforced, "deny-ports=25,465;deny-ranges=10.0.0.0/8");
  assert.equal(warnIfUnpublished(enforced, config, log), false);
  assert.equal(warnings.length, 0);
  assert.equal(warnIfUnpublished("deny-ports=25", config, log), true);
  assert.equal(warnIfUnpublished("", config, log), true);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!.m, /differs from the one this agent enforces/);
  assert.deepEqual(warnings[0]!.o, {
    published: "deny-ports=25",
    enforced,
    fix: `dvpn provider exit-policy --policy '${enforced}'`,
  });
});
