/** `dvpn disconnect` and an exit paid by `--exit-key-file`: closed with that key, or skipped with a line. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { exitCloser } from "./exitPayer.ts";
import { UsageError } from "./errors.ts";

const wallet = undefined;
const exitPayer = `0x${"33".repeat(20)}` as const;

test("a connection paid by the wallet is closed with it; an --exit-key-file is refused", () => {
  assert.deepEqual(exitCloser({ sessionId: "8" }, wallet), { by: "wallet" });
  assert.throws(() => exitCloser({ sessionId: "8" }, exitPayer), UsageError);
});

test("an exit paid by another account: closed with its key, refused with another key, else skipped saying how", () => {
  assert.deepEqual(
    exitCloser({ sessionId: "8", exitPayer }, exitPayer.toUpperCase().replace("0X", "0x") as `0x${string}`),
    {
      by: "exit-key",
    },
  );
  assert.throws(
    () => exitCloser({ sessionId: "8", exitPayer }, `0x${"44".repeat(20)}`),
    (e: Error) => e instanceof UsageError && /paid by 0x3333.*nothing was changed/.test(e.message),
  );
  const skip = exitCloser({ sessionId: "8", exitPayer }, undefined);
  assert.equal(skip.by, "skip");
  assert.ok(skip.by === "skip");
  assert.match(skip.line, /`dvpn session close 8 --key-file <exit key>`/);
  assert.match(
    skip.line,
    /the provider may claim its best voucher until the settlement deadline, then `dvpn session finalize 8` refunds the rest/,
  );
});
