/**
 * Terminal safety of the CLI's output: text from the chain or a provider (endpoints, tunnel
 * addresses) is printed with its control characters escaped, and `connect` refuses a tunnel
 * address that is no address list, closing the session and saying what happens to the deposit.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { Hex } from "viem";
import { DvpnError } from "../errors/base.ts";
import { tunnelOrClose, type SessionCloser } from "./acceptedTunnel.ts";
import { printable } from "./format.ts";
import { createOutput, keyValues, table } from "./output.ts";

const ESC = "\x1b";
/** Any C0 control, DEL or C1 character. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

describe("printable", () => {
  it("escapes control characters, escape sequences and direction controls; leaves text alone", () => {
    assert.equal(
      printable(`gw.example.org${ESC}[2J${ESC}]0;owned\x07:51820`),
      "gw.example.org\\x1b[2J\\x1b]0;owned\\x07:51820",
    );
    assert.equal(printable("a\nb\tc\r\x7f\x9b"), "a\\x0ab\\x09c\\x0d\\x7f\\x9b");
    assert.equal(printable("a\nb\x00", "\n"), "a\nb\\x00");
    assert.equal(printable("evil\u202egnp.exe"), "evil\\u{202e}gnp.exe");
    const plain = "10.77.0.2/16,fd77:dead:beef::2/64 gw.example.org:51820 Zürich 東京";
    assert.equal(printable(plain), plain);
    assert.equal(printable(printable(`${ESC}[31m`)), printable(`${ESC}[31m`), "escaping twice changes nothing");
  });

  it("tables, key/value lists, results, progress lines and spinners never print a control character", () => {
    const endpoint = `gw${ESC}[2J\r\nfake line:51820`;
    const t = table(["endpoint", "region"], [[endpoint, "DE"]]);
    assert.equal(t.split("\n").length, 3, "one row stays one line");
    assert.ok(t.includes("gw\\x1b[2J\\x0d\\x0afake line:51820"));
    assert.doesNotMatch(t, CONTROL);
    assert.doesNotMatch(keyValues([["tunnel address", `10.0.0.2/24${ESC}[8m`]]), CONTROL);
    const out = sink();
    const err = sink();
    const o = createOutput({ json: false, stdout: out.stream, stderr: err.stream });
    o.result({}, () => `endpoint ${endpoint}\nsecond line`);
    o.progress(`opening a session with 0x1 (${endpoint})`);
    const s = o.spinner(`waiting ${ESC}[5m`);
    s.update(`still waiting ${ESC}[5m`);
    s.stop(`session 1 accepted: tunnel address ${ESC}]52;c;ZXZpbA==\x07`);
    assert.doesNotMatch(out.text(), CONTROL);
    assert.doesNotMatch(err.text(), CONTROL);
    // Free text keeps its own line breaks (a table or key/value cell escapes them too).
    assert.equal(out.text(), "endpoint gw\\x1b[2J\\x0d\nfake line:51820\nsecond line\n");
    assert.match(err.text(), /tunnel address \\x1b\]52;c;ZXZpbA==\\x07\n$/);
    const json = sink();
    createOutput({ json: true, stdout: json.stream }).result({ endpoint }, () => "");
    assert.equal(JSON.parse(json.text()).endpoint, endpoint, "--json keeps the value, escaped by JSON");
    assert.doesNotMatch(json.text(), CONTROL);
  });
});

describe("connect: the accepted tunnel address", () => {
  const token = { symbol: "USDC", decimals: 6 };
  const session = { sessionId: 7n, deposit: 5_000_000n, token };
  function closer(): SessionCloser & { closed: bigint[] } {
    const closed: bigint[] = [];
    return {
      closed,
      async closeSession({ sessionId }) {
        closed.push(sessionId);
        return { hash: `0x${"ab".repeat(32)}` as Hex, settlementDeadline: 1_800_000_000 };
      },
    };
  }

  it("a valid address list is parsed and the session stays open", async () => {
    const c = closer();
    const t = await tunnelOrClose(c, "10.77.0.2/16,fd77:dead:beef::2/64", session);
    assert.equal(t.gateway, "10.77.0.1");
    assert.deepEqual(c.closed, []);
  });

  for (const bad of [
    "",
    "10.77.0.2",
    "10.77.0.2/16\n[Peer]",
    `10.77.0.2/16${ESC}[2J`,
    "gw.example.org/24",
    "10.0.0.300/8",
  ]) {
    it(`${JSON.stringify(bad)} is refused: the session is closed and the line says how the deposit returns`, async () => {
      const c = closer();
      const err = await tunnelOrClose(c, bad, session).then(
        () => assert.fail("accepted"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof DvpnError);
      assert.deepEqual(c.closed, [7n]);
      const line = err.shortMessage;
      assert.ok(line.startsWith(`the provider's tunnel address ${JSON.stringify(bad)} is not a list of IP addresses`));
      assert.match(line, /session 7 closed \(transaction 0xabab/);
      assert.match(line, /`dvpn session finalize 7` after 2027-01-15T08:00:00Z refunds the 5 USDC deposit/);
      assert.doesNotMatch(line, CONTROL);
    });
  }
});
