import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDump, WgDumpError } from "./dump.ts";

const PRIV = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
const K1 = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
const K2 = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=";

test("parseDump reads peers and counters and drops the private key", () => {
  const text =
    `${PRIV}\tpubkeyofif=\t51820\toff\n` +
    `${K1}\t(none)\t192.0.2.1:51820\t10.77.0.2/32,fd77:dead:beef::2/128\t1700000000\t123\t18446744073709551615\toff\n` +
    `${K2}\t(none)\t(none)\t(none)\t0\t0\t0\t25\n`;
  const d = parseDump(text);
  assert.equal(d.listenPort, 51820);
  assert.equal(d.peers.size, 2);
  const p1 = d.peers.get(K1);
  assert.deepEqual(p1?.allowedIps, ["10.77.0.2/32", "fd77:dead:beef::2/128"]);
  assert.equal(p1?.tx, 18446744073709551615n);
  assert.equal(p1?.rx, 123n);
  assert.equal(p1?.latestHandshake, 1700000000);
  assert.equal(d.peers.get(K2)?.endpoint, null);
  assert.deepEqual(d.peers.get(K2)?.allowedIps, []);
  assert.ok(
    !JSON.stringify(d, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Map ? [...v] : v)).includes(
      PRIV,
    ),
  );
});

test("parseDump rejects malformed input", () => {
  assert.throws(() => parseDump(""), /empty/);
  assert.throws(() => parseDump("a\tb\n"), /interface line/);
  assert.throws(() => parseDump(`${PRIV}\tpub\t1\toff\n${K1}\t(none)\n`), /peer line/);
  assert.throws(() => parseDump(`${PRIV}\tpub\t1\toff\n${K1}\t(none)\t(none)\t(none)\t0\t-5\t0\toff\n`), /counters/);
});

test("parseDump reads what a client reads (each peer's counters) and refuses junk instead of skipping it", () => {
  const lines = [
    "cHJpdmF0ZQ==\tcHVibGlj\t51820\toff",
    "UEVFUjE=\t(none)\t203.0.113.5:51820\t0.0.0.0/0,::/0\t1700000000\t1234\t5678\t25",
    "UEVFUjI=\t(none)\t(none)\t10.0.0.0/8\t0\t0\t0\toff",
    "",
  ];
  const peers = [...parseDump(lines.join("\n")).peers.values()].map((p) => ({
    publicKey: p.publicKey,
    latestHandshake: p.latestHandshake,
    rx: p.rx,
    tx: p.tx,
  }));
  assert.deepEqual(peers, [
    { publicKey: "UEVFUjE=", latestHandshake: 1700000000, rx: 1234n, tx: 5678n },
    { publicKey: "UEVFUjI=", latestHandshake: 0, rx: 0n, tx: 0n },
  ]);
  const withJunk = [...lines.slice(0, 3), "garbage line", ""].join("\n");
  assert.throws(
    () => parseDump(withJunk),
    (e: Error) => e instanceof WgDumpError && /peer line 3/.test(e.message),
  );
});
