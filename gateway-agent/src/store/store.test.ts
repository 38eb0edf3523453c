import { test } from "node:test";
import assert from "node:assert/strict";
import { newSessionRecord, openStore } from "./store.ts";

const fields = {
  client: "0xc",
  signer: "0xs",
  wgKey: "k",
  deposit: (1n << 96n) - 1n,
  pricePerGiB: 1n,
  pricePerMinute: 2n,
  feeBps: 250,
  acceptDeadline: 10,
  openedAt: 1,
  status: "active" as const,
};

test("sessions round-trip with big numbers; a stale copy never rolls a voucher back", () => {
  const store = openStore(":memory:");
  const id = (1n << 255n) + 7n;
  store.put(newSessionRecord({ id, ...fields }));
  const stale = store.get(id)!;
  assert.equal(stale.deposit, (1n << 96n) - 1n);
  store.transaction(() => store.setVoucher(id, 1000n, 60n, "0xsig"));
  stale.meteredBytes = 5000n;
  store.put(stale); // a pass that read the row before the voucher arrived
  const now = store.get(id)!;
  assert.equal(now.meteredBytes, 5000n);
  assert.equal(now.voucherBytes, 1000n);
  assert.equal(now.voucherSig, "0xsig");
  assert.equal(store.liveByKey("k")?.id, id);
  assert.equal(store.countLive(), 1);
  store.close();
});

test("a failed transaction leaves nothing behind", () => {
  const store = openStore(":memory:");
  assert.throws(() =>
    store.transaction(() => {
      store.put(newSessionRecord({ id: 1n, ...fields }));
      store.setMeta("checkpoint", "99");
      throw new Error("crash");
    }),
  );
  assert.equal(store.get(1n), undefined);
  assert.equal(store.getMeta("checkpoint"), undefined);
  store.close();
});
