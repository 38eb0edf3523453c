import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, toHex, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DERIVED_POOL_RANGE, derivePools, LEGACY_POOLS } from "./derivePool.ts";
import { parsePool } from "./pool.ts";

/** Pseudo-random accounts, reproducible: the hash of i as the address. */
const accounts = (n: number): Address[] =>
  Array.from({ length: n }, (_, i) => `0x${keccak256(toHex(i)).slice(26)}` as Address);

test("the same account always gets the same pools, whatever the letter case", () => {
  const a = privateKeyToAccount(`0x${"11".repeat(32)}`).address;
  assert.deepEqual(derivePools(a), derivePools(a.toLowerCase() as Address));
  assert.deepEqual(derivePools(a), derivePools(a));
});

test("pools are /16 in 10.64.0.0/10 outside 10.77/16 and 10.96/12, /64 in fd00::/8, and parse", () => {
  const seen = new Set<number>();
  for (const a of accounts(2000)) {
    const { ipv4Pool, ipv6Pool } = derivePools(a);
    const m = /^10\.(\d+)\.0\.0\/16$/.exec(ipv4Pool);
    assert.ok(m, ipv4Pool);
    const octet = Number(m[1]);
    assert.ok(octet >= DERIVED_POOL_RANGE.first && octet <= DERIVED_POOL_RANGE.last, ipv4Pool);
    assert.notEqual(ipv4Pool, LEGACY_POOLS.ipv4Pool);
    assert.ok(octet < 96 || octet > 111, `${ipv4Pool} is in Kubernetes' 10.96.0.0/12`);
    assert.match(ipv6Pool, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/);
    const layout = parsePool(ipv4Pool, ipv6Pool);
    assert.equal(layout.v6Prefix, 64);
    seen.add(octet);
  }
  // Every allowed /16 is used (2000 draws over 47 choices), none of the excluded ones.
  assert.equal(seen.size, DERIVED_POOL_RANGE.last - DERIVED_POOL_RANGE.first + 1 - DERIVED_POOL_RANGE.excluded.length);
});

test("different accounts rarely share a pool", () => {
  const list = accounts(400);
  let same4 = 0;
  let pairs = 0;
  const v6 = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    v6.add(derivePools(list[i]!).ipv6Pool);
    for (let j = i + 1; j < list.length; j++) {
      pairs++;
      if (derivePools(list[i]!).ipv4Pool === derivePools(list[j]!).ipv4Pool) same4++;
    }
  }
  // 1 in 47 expected for IPv4 (about 2.1 %); 40 bits make an IPv6 clash among 400 unheard of.
  assert.ok(same4 / pairs < 0.03, `IPv4 pools shared by ${same4} of ${pairs} pairs`);
  assert.equal(v6.size, list.length);
});
