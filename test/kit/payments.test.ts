import assert from "node:assert/strict";
import { test } from "node:test";
import { priceUsage, protocolFee } from "../../sdk/src/vouchers/usage.ts";
import { countPayments, type ClaimEvent } from "./payments.ts";

const terms = { pricePerGiB: 1n << 30n, pricePerMinute: 60n, deposit: 1_000_000n };
/** A claim of totals (bytes, seconds) after `before` was paid, with the fee the escrow charges. */
function claim(sessionId: bigint, bytes: bigint, seconds: bigint, before: bigint, fee?: bigint): ClaimEvent {
  const totalPaid = priceUsage(terms, { bytes, seconds });
  const amount = totalPaid - before;
  return {
    sessionId,
    totalBytes: bytes,
    totalSeconds: seconds,
    amount,
    totalPaid,
    fee: fee ?? protocolFee(totalPaid, 250) - protocolFee(before, 250),
  };
}

test("a session paid each voucher once, up to its last one, counts nothing", () => {
  const claims = [claim(1n, 100n, 10n, 0n), claim(1n, 300n, 20n, 110n)];
  const count = countPayments(claims, [{ id: 1n, terms, last: { bytes: 300n, seconds: 20n } }], 250);
  assert.deepEqual(
    { ...count, netOfClaims: 0n, netOfModel: 0n },
    { doublePayments: 0, notAVoucher: 0, wrongPaid: [], wrongFees: [], netOfClaims: 0n, netOfModel: 0n },
  );
  assert.equal(count.netOfClaims, count.netOfModel);
  assert.equal(count.netOfModel, 320n - protocolFee(320n, 250));
});

test("the same totals twice, a claim that was no voucher, a wrong fee and a short payment are each counted", () => {
  const claims = [
    claim(1n, 100n, 10n, 0n),
    claim(1n, 100n, 10n, 0n),
    claim(2n, 50n, 0n, 0n, 7n),
    claim(3n, 5n, 0n, 0n),
  ];
  const count = countPayments(
    claims,
    [
      { id: 1n, terms, last: { bytes: 100n, seconds: 10n } },
      { id: 2n, terms, last: { bytes: 60n, seconds: 0n }, accepted: [{ bytes: 60n, seconds: 0n }], label: "cut" },
    ],
    250,
  );
  // Session 1: the same totals twice, and so paid 220 for a voucher worth 110.
  assert.equal(count.doublePayments, 2);
  assert.equal(count.notAVoucher, 1, "50 bytes were never a voucher of session 2");
  assert.deepEqual(count.wrongFees, ["session 2: fee 7 of 50"]);
  assert.deepEqual(count.wrongPaid, [
    "session 1 paid 220, its last voucher (100 B, 10 s) is worth 110",
    "session 2 (cut) paid 50, its last voucher (60 B, 0 s) is worth 60",
  ]);
});
