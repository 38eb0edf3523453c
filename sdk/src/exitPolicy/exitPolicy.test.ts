import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidInputError } from "../errors/input.ts";
import {
  describeExitPolicy,
  exitPolicyAllowsPort,
  exitPolicyFields,
  formatExitPolicy,
  MAX_EXIT_POLICY_LENGTH,
  parseExitPolicy,
  parsePortList,
  parseRangeList,
} from "./exitPolicy.ts";

test("the published form round-trips, in the registry's key order", () => {
  const text = "deny-ports=25,6881-6889;allow-ports=1-1024;deny-ranges=10.0.0.0/8,fc00::/7;allow-ranges=0.0.0.0/0";
  const p = parseExitPolicy(text);
  assert.deepEqual(p.denyPorts, [
    { from: 25, to: 25 },
    { from: 6881, to: 6889 },
  ]);
  assert.deepEqual(p.allowRanges, ["0.0.0.0/0"]);
  assert.equal(formatExitPolicy(p), text);
  assert.deepEqual(parseExitPolicy(""), { denyPorts: [], allowPorts: [], denyRanges: [], allowRanges: [] });
});

test("what the registry refuses is refused here too, and bad addresses besides", () => {
  for (const bad of [
    "deny-ports",
    "ports=25",
    "deny-ports=25;deny-ports=26",
    "deny-ranges=10.0.0.0/8;deny-ports=25",
    "deny-ports=",
    "deny-ports=0",
    "deny-ports=65536",
    "deny-ports=30-20",
    "deny-ports=25;",
    "deny-ports=25,",
    "deny-ranges=10.0.0.0",
    "deny-ranges=10.0.0.0/33",
    "deny-ranges=999.0.0.0/8",
    "deny-ranges=::::/8",
    `deny-ports=111${",10000".repeat(83)},1`,
  ])
    assert.throws(() => parseExitPolicy(bad), InvalidInputError, bad);
  assert.equal(`deny-ports=111${",10000".repeat(83)}`.length, MAX_EXIT_POLICY_LENGTH);
  assert.throws(() => parsePortList("exitDenyPorts", "25;rm"), /exitDenyPorts/);
  assert.deepEqual(parseRangeList("r", "FC00::/7,192.0.2.1"), ["fc00::/7", "192.0.2.1/32"]);
});

test("port checks and the human line", () => {
  const p = parseExitPolicy("deny-ports=25;allow-ports=1-1024");
  assert.equal(exitPolicyAllowsPort(p, 443), true);
  assert.equal(exitPolicyAllowsPort(p, 25), false);
  assert.equal(exitPolicyAllowsPort(p, 8080), false);
  assert.equal(exitPolicyAllowsPort(parseExitPolicy(""), 25), true);
  assert.equal(describeExitPolicy("deny-ports=25;allow-ports=1-1024"), "only ports 1-1024; ports 25 refused");
  assert.equal(describeExitPolicy(""), "no restriction");
});

test("exitPolicyFields reads the fields as written, even from a policy that is not well formed", () => {
  const f = exitPolicyFields("deny-ports=25,465;deny-ranges=10.0.0.0/8;bogus;allow-ports=x");
  assert.equal(f.get("deny-ports"), "25,465");
  assert.equal(f.get("deny-ranges"), "10.0.0.0/8");
  assert.equal(f.get("allow-ports"), "x");
  assert.equal(f.has("bogus"), false);
  assert.equal(exitPolicyFields("").size, 0);
});
