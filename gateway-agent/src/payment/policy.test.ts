import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateLag, isAbove, shouldClaim } from "./policy.ts";

const MiB = 1n << 20n;
const terms = { deposit: 10_000_000n, pricePerGiB: 1_000_000n, pricePerMinute: 600n };
const tolerance = { bytes: MiB, percent: 5, seconds: 120n };

test("voucher lag: within tolerance keeps, beyond it cuts", () => {
  const metered = { bytes: 100n * MiB, seconds: 600n };
  // 1 MiB + 5 % of 100 MiB = 6 MiB allowed.
  assert.equal(evaluateLag({ metered, signed: { bytes: 94n * MiB, seconds: 600n }, terms, tolerance }), null);
  assert.equal(
    evaluateLag({ metered, signed: { bytes: 94n * MiB - 1n, seconds: 600n }, terms, tolerance }),
    "voucher-lag-bytes",
  );
  // 120 s + 5 % of 600 s = 150 s allowed.
  assert.equal(evaluateLag({ metered, signed: { bytes: 100n * MiB, seconds: 450n }, terms, tolerance }), null);
  assert.equal(
    evaluateLag({ metered, signed: { bytes: 100n * MiB, seconds: 449n }, terms, tolerance }),
    "voucher-lag-seconds",
  );
  // A new session has not signed anything yet: within the fixed allowance.
  assert.equal(
    evaluateLag({ metered: { bytes: MiB / 2n, seconds: 30n }, signed: { bytes: 0n, seconds: 0n }, terms, tolerance }),
    null,
  );
});

test("with a grace, signed bytes are held against the meter of grace seconds ago, and maxBytes against the meter now", () => {
  const grace = { ...tolerance, graceSeconds: 10, maxBytes: 256n * MiB };
  const metered = { bytes: 200n * MiB, seconds: 60n };
  const signed = { bytes: 50n * MiB, seconds: 60n };
  // No reading 10 s old yet (a new session, or the agent restarted): only maxBytes cuts.
  assert.equal(evaluateLag({ metered, signed, terms, tolerance: grace }), null);
  // 100 MiB read 10 s ago: 1 MiB + 5 MiB allowed on it, so 94 MiB signed keeps and one byte less cuts.
  const meteredBefore = 100n * MiB;
  const at = (bytes: bigint) =>
    evaluateLag({ metered, signed: { bytes, seconds: 60n }, terms, tolerance: grace, meteredBefore });
  assert.equal(at(94n * MiB), null);
  assert.equal(at(94n * MiB - 1n), "voucher-lag-bytes");
  // Beyond maxBytes behind the meter now: cut whatever was read before.
  const farBehind = { bytes: 300n * MiB, seconds: 60n };
  assert.equal(
    evaluateLag({
      metered: farBehind,
      signed: { bytes: 44n * MiB, seconds: 60n },
      terms,
      tolerance: grace,
      meteredBefore: 0n,
    }),
    null,
  );
  assert.equal(
    evaluateLag({
      metered: farBehind,
      signed: { bytes: 44n * MiB - 1n, seconds: 60n },
      terms,
      tolerance: grace,
      meteredBefore: 0n,
    }),
    "voucher-lag-bytes",
  );
});

test("a spent deposit cuts even with perfect vouchers", () => {
  const tenGiB = 10n << 30n;
  const metered = { bytes: tenGiB, seconds: 0n };
  assert.equal(evaluateLag({ metered, signed: metered, terms, tolerance }), "deposit-spent");
});

test("isAbove follows the escrow's stale-voucher rule", () => {
  assert.ok(isAbove({ bytes: 2n, seconds: 1n }, { bytes: 1n, seconds: 1n }));
  assert.ok(!isAbove({ bytes: 1n, seconds: 1n }, { bytes: 1n, seconds: 1n }));
  assert.ok(!isAbove({ bytes: 5n, seconds: 0n }, { bytes: 1n, seconds: 1n }));
});

test("claims happen every N tokens or every T seconds, never for nothing", () => {
  const base = {
    terms,
    claimed: { bytes: 0n, seconds: 0n },
    lastClaimAt: 1000,
    everyAmount: 500_000n,
    intervalSeconds: 900,
  };
  const halfGiB = { bytes: 1n << 29n, seconds: 0n }; // worth 500_000
  assert.ok(shouldClaim({ ...base, voucher: halfGiB, now: 1001 }));
  const small = { bytes: 1n << 20n, seconds: 0n };
  assert.ok(!shouldClaim({ ...base, voucher: small, now: 1001 }));
  assert.ok(shouldClaim({ ...base, voucher: small, now: 1900 }));
  assert.ok(!shouldClaim({ ...base, voucher: { bytes: 0n, seconds: 0n }, now: 99_999 }));
});
