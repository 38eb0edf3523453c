import { test } from "node:test";
import assert from "node:assert/strict";
import { privateKeyToAccount } from "viem/accounts";
import { ConfigError } from "../errors.ts";
import { openStore } from "../store/store.ts";
import { derivePools, LEGACY_POOLS } from "./derivePool.ts";
import { POOL_META, resolvePools } from "./resolvePools.ts";

const provider = privateKeyToAccount(`0x${"22".repeat(32)}`).address;
const unset = { ipv4Pool: undefined, ipv6Pool: undefined };

test("a fresh store gets the derived pools and records them", () => {
  const store = openStore(":memory:");
  const r = resolvePools({ ...unset, provider, store });
  assert.deepEqual([r.ipv4Pool, r.ipv6Pool], [derivePools(provider).ipv4Pool, derivePools(provider).ipv6Pool]);
  assert.deepEqual(r.source, { ipv4: "derived", ipv6: "derived" });
  assert.equal(store.getMeta(POOL_META.ipv4), r.ipv4Pool);
  assert.equal(store.getMeta(POOL_META.ipv6), r.ipv6Pool);
});

test("a configured pool wins, also over live sessions; '' keeps IPv4 only", () => {
  const store = openStore(":memory:");
  store.putAddress({ index: 2, sessionId: "7", releasedAt: 0 });
  const r = resolvePools({ ipv4Pool: "10.9.0.0/24", ipv6Pool: "", provider, store });
  assert.deepEqual([r.ipv4Pool, r.ipv6Pool], ["10.9.0.0/24", ""]);
  assert.deepEqual(r.source, { ipv4: "config", ipv6: "config" });
  assert.equal(store.getMeta(POOL_META.ipv4), "10.9.0.0/24");
});

test("an upgraded store with live sessions keeps the old default; without live ones it moves", () => {
  const store = openStore(":memory:");
  // Written before pools were recorded: an address held by a live session, no meta.
  store.putAddress({ index: 2, sessionId: "7", releasedAt: 0 });
  const kept = resolvePools({ ...unset, provider, store });
  assert.deepEqual([kept.ipv4Pool, kept.ipv6Pool], [LEGACY_POOLS.ipv4Pool, LEGACY_POOLS.ipv6Pool]);
  assert.deepEqual(kept.source, { ipv4: "store", ipv6: "store" });
  // The next start reads the record, not the old default (which could have been another pool).
  store.setMeta(POOL_META.ipv4, "10.5.0.0/16");
  assert.equal(resolvePools({ ...unset, provider, store }).ipv4Pool, "10.5.0.0/16");
  // Once the session released its address, nothing is renumbered by moving to the derived pool.
  store.putAddress({ index: 2, sessionId: null, releasedAt: 100 });
  const moved = resolvePools({ ...unset, provider, store });
  assert.equal(moved.ipv4Pool, derivePools(provider).ipv4Pool);
  assert.equal(store.getMeta(POOL_META.ipv4), moved.ipv4Pool);
});

test("a bad configured pool is refused before anything is recorded", () => {
  const store = openStore(":memory:");
  assert.throws(() => resolvePools({ ipv4Pool: "10.9.0.0", ipv6Pool: undefined, provider, store }), ConfigError);
  assert.equal(store.getMeta(POOL_META.ipv4), undefined);
});
