import { test } from "node:test";
import assert from "node:assert/strict";
import { counterDelta } from "./counters.ts";

test("counter deltas: growth, no change, reset in one or both directions", () => {
  assert.deepEqual(counterDelta({ rx: 100n, tx: 50n }, { rx: 150n, tx: 80n }), { bytes: 80n, reset: false });
  assert.deepEqual(counterDelta({ rx: 100n, tx: 50n }, { rx: 100n, tx: 50n }), { bytes: 0n, reset: false });
  // wireguard-go restarted: the counters start again from zero, the new raw value is the delta.
  assert.deepEqual(counterDelta({ rx: 1000n, tx: 900n }, { rx: 10n, tx: 5n }), { bytes: 15n, reset: true });
  assert.deepEqual(counterDelta({ rx: 1000n, tx: 5n }, { rx: 10n, tx: 7n }), { bytes: 12n, reset: true });
  const big = 1n << 62n;
  assert.deepEqual(counterDelta({ rx: big, tx: 0n }, { rx: big + 3n, tx: 1n }), { bytes: 4n, reset: false });
});
