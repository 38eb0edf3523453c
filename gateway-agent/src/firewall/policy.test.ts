import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { formatExitPolicy, parseExitPolicy, parsePorts, parseRanges } from "./policy.ts";
import { renderTable } from "./render.ts";

test("ports and ranges parse from strings and arrays; bad items name the option", () => {
  assert.deepEqual(parsePorts("exitDenyPorts", "25, 6881-6889"), [
    { from: 25, to: 25 },
    { from: 6881, to: 6889 },
  ]);
  assert.deepEqual(parsePorts("exitDenyPorts", [25, 465] as number[]), [
    { from: 25, to: 25 },
    { from: 465, to: 465 },
  ]);
  assert.deepEqual(parsePorts("exitAllowPorts", ""), []);
  for (const bad of ["0", "70000", "30-20", "25;rm", "a"])
    assert.throws(
      () => parsePorts("exitDenyPorts", bad),
      (e: Error) => e instanceof ConfigError && /exitDenyPorts/.test(e.message),
    );
  assert.deepEqual(parseRanges("exitDenyRanges", "10.0.0.0/8,FC00::/7,192.0.2.1"), [
    "10.0.0.0/8",
    "fc00::/7",
    "192.0.2.1/32",
  ]);
  for (const bad of ["10.0.0.0/33", "fc00::/129", "example.org/8", "10.0.0.0/8 }"])
    assert.throws(() => parseRanges("exitDenyRanges", bad), ConfigError);
});

test("the published form round-trips and is empty for an open exit", () => {
  const policy = {
    denyPorts: parsePorts("p", "25,6881-6889"),
    allowPorts: [],
    denyRanges: parseRanges("r", "10.0.0.0/8,fc00::/7"),
    allowRanges: [],
  };
  const text = formatExitPolicy(policy);
  assert.equal(text, "deny-ports=25,6881-6889;deny-ranges=10.0.0.0/8,fc00::/7");
  assert.deepEqual(parseExitPolicy(text), policy);
  assert.equal(formatExitPolicy({ denyPorts: [], allowPorts: [], denyRanges: [], allowRanges: [] }), "");
  assert.throws(() => parseExitPolicy("deny-everything=1"), ConfigError);
});

test("the table script replaces only its own table and carries every part of the spec", () => {
  const script = renderTable({
    table: "dvpn_dvpn0",
    iface: "dvpn0",
    uplink: "eth0",
    pool4: "10.77.0.0/16",
    pool6: "fd77:dead:beef::/64",
    policy: {
      denyPorts: parsePorts("p", "25"),
      allowPorts: parsePorts("p", "53,80,443"),
      denyRanges: [],
      allowRanges: [],
    },
    rateLimitMbit: 20,
    maxConnections: 256,
    tag: "abc",
  });
  const lines = script.split("\n");
  assert.deepEqual(lines.slice(0, 3), [
    "table inet dvpn_dvpn0 {}",
    "delete table inet dvpn_dvpn0",
    "table inet dvpn_dvpn0 {",
  ]);
  assert.ok(!/flush ruleset|^delete table (?!inet dvpn_dvpn0)/m.test(script));
  assert.match(script, /update @up_v4 \{ ip saddr limit rate over 2500000 bytes\/second \} drop/);
  assert.match(script, /update @down_v6 \{ ip6 daddr limit rate over 2500000 bytes\/second/);
  assert.match(script, /ct count over 256/);
  assert.match(script, /tcp dport != @allow_ports reject with tcp reset/);
  assert.match(script, /iifname "dvpn0" oifname "eth0" ip6 saddr fd77:dead:beef::\/64 masquerade/);
  const v4only = renderTable({
    table: "t",
    iface: "wg0",
    pool4: "10.77.0.0/16",
    policy: { denyPorts: [], allowPorts: [], denyRanges: [], allowRanges: [] },
    rateLimitMbit: 0,
    maxConnections: 0,
    tag: "x",
  });
  assert.doesNotMatch(v4only, /ip6 saddr|limit rate|ct count|allow_ports reject/);
  assert.match(v4only, /oifname != "wg0" ip saddr 10.77.0.0\/16 masquerade/);
});
