import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressPoolExhaustedError, ConfigError } from "../errors.ts";
import { addressesOf, createAddressPool, gatewayOf, parsePool } from "./pool.ts";

test("addresses follow docs/agent-api.md: gateway first host, tunnelAddress with pool prefixes", () => {
  const layout = parsePool("10.77.0.0/16", "fd77:dead:beef::/64");
  assert.equal(gatewayOf(layout).v4Cidr, "10.77.0.1/16");
  assert.equal(gatewayOf(layout).v6Cidr, "fd77:dead:beef::1/64");
  const a = addressesOf(layout, 2);
  assert.equal(a.tunnelAddress, "10.77.0.2/16,fd77:dead:beef::2/64");
  assert.deepEqual(a.allowedIps, ["10.77.0.2/32", "fd77:dead:beef::2/128"]);
  assert.equal(addressesOf(layout, 65534).ipv4, "10.77.255.254");
  assert.equal(addressesOf(layout, 65534).ipv6, "fd77:dead:beef::fffe");
  assert.equal(addressesOf(parsePool("10.8.0.0/24", null), 5).tunnelAddress, "10.8.0.5/24");
});

test("bad pools are refused with the option name", () => {
  assert.throws(() => parsePool("10.77.0.0", null), ConfigError);
  assert.throws(() => parsePool("10.77.0.0/31", null), /ipv4Pool/);
  assert.throws(() => parsePool("10.77.0.0/16", "fd77::/120"), /smaller/);
  assert.throws(() => parsePool("10.77.0.0/16", "nope/64"), /ipv6Pool/);
});

test("allocation never duplicates and skips network, gateway and broadcast", () => {
  const pool = createAddressPool({ layout: parsePool("10.9.0.0/24", null), quarantineSeconds: 60 });
  assert.equal(pool.capacity, 253);
  const seen = new Set<string>();
  for (let i = 0; i < 253; i++) {
    const a = pool.allocate(String(i), 0);
    assert.ok(!seen.has(a.ipv4), a.ipv4);
    assert.ok(a.ipv4 !== "10.9.0.0" && a.ipv4 !== "10.9.0.1" && a.ipv4 !== "10.9.0.255");
    seen.add(a.ipv4);
  }
  assert.throws(() => pool.allocate("x", 0), AddressPoolExhaustedError);
});

test("a released address stays in quarantine, then comes back", () => {
  const pool = createAddressPool({ layout: parsePool("10.9.0.0/29", null), quarantineSeconds: 100 });
  const all = Array.from({ length: pool.capacity }, (_, i) => pool.allocate(`s${i}`, 0));
  const freed = all[2]!;
  pool.release(freed.index, 1000);
  assert.throws(() => pool.allocate("new", 1050), AddressPoolExhaustedError);
  assert.equal(pool.allocate("new", 1100).index, freed.index);
  assert.equal(pool.inUse(), pool.capacity);
});

test("a restored pool continues from the persisted entries", () => {
  const layout = parsePool("10.9.0.0/29", null);
  const first = createAddressPool({ layout, quarantineSeconds: 10 });
  const a = first.allocate("1", 0);
  const b = first.allocate("2", 0);
  first.release(a.index, 5);
  const entries = [a.index, b.index].map((i) => first.entry(i)!);
  const again = createAddressPool({ layout, quarantineSeconds: 10, entries, cursor: b.index });
  const c = again.allocate("3", 6);
  assert.notEqual(c.index, a.index);
  assert.notEqual(c.index, b.index);
});

test("reclaim gives a released index back to a session unless someone holds it", () => {
  const pool = createAddressPool({ layout: parsePool("10.9.0.0/29", null), quarantineSeconds: 600 });
  const a = pool.allocate("1", 100);
  pool.release(a.index, 200);
  assert.equal(pool.inUse(), 0);
  assert.deepEqual(pool.reclaim(a.index, "1"), a);
  assert.equal(pool.entry(a.index)?.sessionId, "1");
  assert.equal(pool.inUse(), 1);
  assert.equal(pool.reclaim(a.index, "2"), undefined, "held: not taken from its holder");
  assert.equal(pool.reclaim(a.index + 1, "2"), undefined, "never handed out");
});
