import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { interfaceOf } from "./wgCommands.ts";
import { getAgentSession, postVoucher, receiptOf, VoucherRejectedError } from "./voucherApi.ts";
import { parseUapiBytes, parseUapiHandshake } from "./peerBytes.ts";

describe("wg-quick config paths", () => {
  it("names the interface after the config file", () => {
    assert.equal(interfaceOf("/etc/wireguard/dvpn12.conf"), "dvpn12");
  });
});

describe("wireguard-go control socket parsing", () => {
  it("adds rx and tx of the named peer only", () => {
    const a = "ab".repeat(32);
    const b = "cd".repeat(32);
    const answer = [
      "private_key=" + "11".repeat(32),
      "listen_port=51820",
      `public_key=${b}`,
      "rx_bytes=7",
      "tx_bytes=8",
      "last_handshake_time_sec=1700000000",
      `public_key=${a}`,
      "endpoint=10.99.2.1:51820",
      "rx_bytes=1000",
      "tx_bytes=234",
      "errno=0",
      "",
      "",
    ].join("\n");
    assert.equal(parseUapiBytes(answer, a), 1234n);
    assert.equal(parseUapiBytes(answer, b), 15n);
    assert.equal(parseUapiBytes(answer, "ef".repeat(32)), undefined);
    assert.equal(parseUapiHandshake(answer, b), 1700000000);
    assert.equal(parseUapiHandshake(answer, a), 0, "no handshake yet");
    assert.equal(parseUapiHandshake(answer, "ef".repeat(32)), undefined);
  });
});

describe("agent receipts", () => {
  it("read the metered totals and the advertised tolerance, ignoring junk", () => {
    assert.deepEqual(
      receiptOf({
        meteredBytes: "2000",
        meteredSeconds: "61",
        toleranceBytes: "1048576",
        tolerancePercent: 5,
        toleranceSeconds: "120",
      }),
      { meteredBytes: 2000n, meteredSeconds: 61n, tolerance: { bytes: 1048576n, percent: 5, seconds: 120n } },
    );
    assert.deepEqual(receiptOf({ meteredBytes: "-1", tolerancePercent: 500, toleranceBytes: "1" }), {
      meteredBytes: 0n,
      meteredSeconds: 0n,
    });
  });
});

describe("agent voucher API client", () => {
  let server: Server;
  let port: number;
  const received: unknown[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        if (req.method === "POST" && req.url === "/v1/vouchers") {
          const v = JSON.parse(body) as { sessionId: string; bytes: string; seconds: string };
          received.push(v);
          if (v.bytes === "0") {
            res.statusCode = 400;
            res.end(JSON.stringify({ error: "not above the last voucher" }));
            return;
          }
          res.end(
            JSON.stringify({ accepted: true, sessionId: v.sessionId, meteredBytes: "2000", meteredSeconds: "61" }),
          );
        } else if (req.method === "GET" && req.url === "/v1/sessions/3") {
          res.end(
            JSON.stringify({
              sessionId: "3",
              meteredBytes: "2000",
              meteredSeconds: "61",
              voucherBytes: "1500",
              voucherSeconds: "60",
              status: "Active",
            }),
          );
        } else {
          res.statusCode = 404;
          res.end(JSON.stringify({ error: "unknown session" }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("posts cumulative vouchers with integers as decimal strings", async () => {
    const signature = `0x${"ab".repeat(65)}` as const;
    const r = await postVoucher({ gateway: "127.0.0.1", port, sessionId: 3n, bytes: 1500n, seconds: 60n, signature });
    assert.deepEqual(r, { meteredBytes: 2000n, meteredSeconds: 61n });
    assert.deepEqual(received[0], { sessionId: "3", bytes: "1500", seconds: "60", signature });
    await assert.rejects(
      postVoucher({ gateway: "127.0.0.1", port, sessionId: 3n, bytes: 0n, seconds: 0n, signature }),
      (e: unknown) =>
        e instanceof VoucherRejectedError && e.status === 400 && /not above the last voucher/.test(e.shortMessage),
    );
    const s = await getAgentSession({ gateway: "127.0.0.1", port, sessionId: 3n });
    assert.equal(s.voucherBytes, "1500");
    await assert.rejects(getAgentSession({ gateway: "127.0.0.1", port, sessionId: 4n }), VoucherRejectedError);
    await assert.rejects(
      postVoucher({ gateway: "127.0.0.1", port: 1, sessionId: 3n, bytes: 1n, seconds: 1n, signature }),
      (e: unknown) => e instanceof VoucherRejectedError && e.status === undefined,
    );
  });
});
