import { test } from "node:test";
import assert from "node:assert/strict";
import { createMeterHistory } from "./meterHistory.ts";

test("readAt answers with the latest reading at or before a time, and old readings are pruned", () => {
  const h = createMeterHistory(10);
  assert.equal(h.readAt("1", 100), undefined);
  h.record("1", 100, 5n);
  h.record("1", 100, 7n); // the same second: the newer reading stands for it
  h.record("1", 104, 20n);
  h.record("1", 112, 50n);
  assert.equal(h.readAt("1", 99), undefined);
  assert.equal(h.readAt("1", 100), 7n);
  assert.equal(h.readAt("1", 103), 7n);
  assert.equal(h.readAt("1", 112 - 10), 7n);
  assert.equal(h.readAt("1", 104), 20n);
  // At 120 the horizon is 110: 104 is the newest reading before it and 100 is dropped.
  h.record("1", 120, 60n);
  assert.equal(h.readAt("1", 101), undefined);
  assert.equal(h.readAt("1", 110), 20n);
  assert.equal(h.readAt("1", 120), 60n);
});

test("retain drops the sessions that are no longer live", () => {
  const h = createMeterHistory(10);
  h.record("1", 1, 1n);
  h.record("2", 1, 1n);
  h.retain(new Set(["2"]));
  assert.equal(h.size(), 1);
  assert.equal(h.readAt("1", 5), undefined);
  assert.equal(h.readAt("2", 5), 1n);
});
