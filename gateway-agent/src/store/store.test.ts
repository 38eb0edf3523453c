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

test("the block-hash window keeps the newest blocks and forgets reorganised ones; a removed row takes its voucher", () => {
  const store = openStore(":memory:");
  for (let n = 1n; n <= 10n; n++) store.putBlock(n, `0x${n}`, 4);
  assert.deepEqual(
    store.recentBlocks().map((b) => b.number),
    [10n, 9n, 8n, 7n],
  );
  assert.equal(store.blockHash(9n), "0x9");
  assert.equal(store.blockHash(6n), undefined, "older than the window");
  store.dropBlocksAbove(8n);
  assert.deepEqual(
    store.recentBlocks().map((b) => b.number),
    [8n, 7n],
  );
  store.putBlock(8n, "0xnew", 4);
  assert.equal(store.blockHash(8n), "0xnew");
  store.put(newSessionRecord({ id: 5n, ...fields }));
  store.transaction(() => store.setVoucher(5n, 1n, 1n, "0xsig"));
  store.remove(5n);
  assert.equal(store.get(5n), undefined);
  store.put(newSessionRecord({ id: 5n, ...fields }));
  assert.equal(store.get(5n)?.voucherSig, null, "a removed row takes its voucher with it");
  assert.deepEqual(
    store.listAll().map((s) => s.id),
    [5n],
  );
});
