import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { createConnection, createServer, type Server } from "node:net";
import { answers, buildQuery, errorReply, parseQuery, RCODE, DnsQueryError } from "./message.ts";
import { createDnsForwarder, type DnsOutcome } from "./forwarder.ts";
import { parseUpstream, resolvConfNameservers, upstreamsOf } from "./upstreams.ts";
import { inPool, parsePool } from "../addresses/pool.ts";

const silent = { warn() {}, info() {}, debug() {} };
const rcodeOf = (m: Buffer) => m.readUInt16BE(2) & 0xf;

/** A stand-in upstream: answers A queries with 192.0.2.<n> (n counts queries), copying the question. */
async function fakeUpstream(): Promise<{ port: number; queries: Buffer[]; udp: Socket; tcp: Server }> {
  const queries: Buffer[] = [];
  const answer = (q: Buffer) => {
    queries.push(q);
    const parsed = parseQuery(q);
    const head = Buffer.from(q.subarray(0, 12));
    head.writeUInt16BE(0x8180, 2);
    head.writeUInt16BE(1, 6);
    head.writeUInt16BE(0, 10);
    const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, queries.length]);
    return Buffer.concat([head, parsed.question, rr]);
  };
  // UDP and TCP on one port: a free UDP port may be taken for TCP, so try a few (bounded).
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket("udp4");
    udp.on("message", (m, r) => udp.send(answer(m), r.port, r.address));
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
    const port = udp.address().port;
    const tcp = createServer((c) => {
      c.on("data", (d: Buffer) => {
        const a = answer(d.subarray(2, 2 + d.readUInt16BE(0)));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(a.length);
        c.write(Buffer.concat([len, a]));
      });
    });
    const listening = await new Promise<boolean>((r) => {
      tcp.once("error", () => r(false));
      tcp.listen(port, "127.0.0.1", () => r(true));
    });
    if (listening) return { port, queries, udp, tcp };
    udp.close();
    if (attempt >= 20) throw new Error("no port free for both UDP and TCP");
  }
}

function udpAsk(port: number, msg: Buffer): Promise<Buffer> {
  const s = createSocket("udp4");
  return new Promise<Buffer>((resolve, reject) => {
    const t = setTimeout(() => (s.close(), reject(new Error("no answer"))), 20_000);
    s.on("message", (m) => (clearTimeout(t), s.close(), resolve(m)));
    s.send(msg, port, "127.0.0.1");
  });
}

function tcpAsk(port: number, msg: Buffer): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const c = createConnection({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0);
    c.on("connect", () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      c.write(Buffer.concat([len, msg]));
    });
    c.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        c.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    c.on("error", reject);
  });
}

describe("DNS messages", () => {
  it("parses a standard query and lower-cases its name", () => {
    const q = parseQuery(buildQuery("WWW.Example.COM", 28, 0xbeef));
    assert.deepEqual([q.id, q.name, q.type, q.class], [0xbeef, "www.example.com", 28, 1]);
  });

  it("rejects what is not one standard query, with the right code", () => {
    const cases: [Buffer, number][] = [
      [Buffer.alloc(5), RCODE.FORMERR],
      [
        (() => {
          const b = buildQuery("a.b");
          b.writeUInt16BE(0x8100, 2);
          return b;
        })(),
        RCODE.REFUSED,
      ],
      [
        (() => {
          const b = buildQuery("a.b");
          b.writeUInt16BE(0x2800, 2);
          return b;
        })(),
        RCODE.NOTIMP,
      ],
      [
        (() => {
          const b = buildQuery("a.b");
          b.writeUInt16BE(2, 4);
          return b;
        })(),
        RCODE.FORMERR,
      ],
      [buildQuery("a.b").subarray(0, 16), RCODE.FORMERR],
      [Buffer.concat([buildQuery("").subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]), RCODE.FORMERR],
      [buildQuery(Array.from({ length: 9 }, () => "x".repeat(30)).join(".")), RCODE.FORMERR],
    ];
    for (const [msg, rcode] of cases) {
      assert.throws(
        () => parseQuery(msg),
        (e: unknown) => e instanceof DnsQueryError && e.rcode === rcode,
      );
    }
  });

  it("builds error answers that keep the id and the question", () => {
    const q = buildQuery("example.org", 1, 77);
    const r = errorReply(q, RCODE.SERVFAIL)!;
    assert.equal(r.readUInt16BE(0), 77);
    assert.equal(r.readUInt16BE(2) & 0x8000, 0x8000);
    assert.equal(rcodeOf(r), RCODE.SERVFAIL);
    assert.equal(answers(r, 77, parseQuery(q)), true);
    assert.equal(answers(r, 78, parseQuery(q)), false);
    assert.equal(errorReply(Buffer.alloc(3), RCODE.FORMERR), undefined);
  });
});

describe("DNS upstreams and pools", () => {
  it("parses upstream entries and resolv.conf, skipping the gateway itself", () => {
    assert.deepEqual(parseUpstream("1.1.1.1"), { host: "1.1.1.1", port: 53 });
    assert.deepEqual(parseUpstream("9.9.9.9:5353"), { host: "9.9.9.9", port: 5353 });
    assert.deepEqual(parseUpstream("[2606:4700:4700::1111]:53"), { host: "2606:4700:4700::1111", port: 53 });
    assert.deepEqual(parseUpstream("2606:4700:4700::1111"), { host: "2606:4700:4700::1111", port: 53 });
    assert.throws(() => parseUpstream("dns.example"), /dnsUpstream "dns.example"/);
    assert.throws(() => parseUpstream("1.1.1.1:70000"), /dnsUpstream/);
    const text =
      "# c\nsearch lan\nnameserver 10.0.0.53\nnameserver fe80::1%eth0\nnameserver 10.77.0.1\noptions edns0\n";
    assert.deepEqual(resolvConfNameservers(text), ["10.0.0.53", "10.77.0.1"]);
    assert.deepEqual(upstreamsOf({ configured: ["10.77.0.1", "8.8.8.8"], exclude: ["10.77.0.1"] }), [
      { host: "8.8.8.8", port: 53 },
    ]);
    assert.deepEqual(upstreamsOf({ configured: [], exclude: [], resolvConf: "/nonexistent/resolv.conf" }), []);
  });

  it("knows the tunnel pools", () => {
    const layout = parsePool("10.77.0.0/16", "fd77:dead:beef::/64");
    assert.equal(inPool(layout, "10.77.200.3"), true);
    assert.equal(inPool(layout, "::ffff:10.77.0.9"), true);
    assert.equal(inPool(layout, "10.78.0.1"), false);
    assert.equal(inPool(layout, "fd77:dead:beef::42"), true);
    assert.equal(inPool(layout, "fd77:dead:bee0::42"), false);
    assert.equal(inPool(parsePool("10.77.0.0/16", null), "fd77:dead:beef::42"), false);
  });
});

describe("DNS forwarder", () => {
  const stops: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const s of stops) await s();
  });

  async function start(p: {
    upstreams: { host: string; port: number }[];
    allow: (a: string) => boolean;
    timeoutMs?: number;
  }) {
    const outcomes: DnsOutcome[] = [];
    const fwd = createDnsForwarder({
      listen: [{ host: "127.0.0.1", port: 0 }],
      upstreams: p.upstreams,
      allow: p.allow,
      timeoutMs: p.timeoutMs ?? 5_000,
      log: silent,
      onQuery: (o) => outcomes.push(o),
    });
    const [bound] = await fwd.start();
    stops.push(() => fwd.stop());
    return { port: bound!.port, outcomes };
  }

  it("forwards UDP and TCP queries from the pool to the upstream and relays the answer under the client's id", async () => {
    const up = await fakeUpstream();
    stops.push(() => (up.udp.close(), new Promise<void>((r) => up.tcp.close(() => r()))));
    const { port, outcomes } = await start({ upstreams: [{ host: "127.0.0.1", port: up.port }], allow: () => true });
    const q = buildQuery("example.test", 1, 4242);
    const a = await udpAsk(port, q);
    assert.equal(a.readUInt16BE(0), 4242);
    assert.equal(rcodeOf(a), 0);
    assert.deepEqual([...a.subarray(-4)], [192, 0, 2, 1]);
    // Upstream saw the same question under another id (random; equal only by a 1 in 65,536 chance, so compare the rest).
    assert.deepEqual(up.queries[0]!.subarray(2), q.subarray(2));
    const t = await tcpAsk(port, buildQuery("example.test", 1, 99));
    assert.equal(t.readUInt16BE(0), 99);
    assert.deepEqual([...t.subarray(-4)], [192, 0, 2, 2]);
    assert.deepEqual(outcomes, ["answered", "answered"]);
  });

  it("refuses clients outside the tunnel pools without asking upstream, over UDP and TCP", async () => {
    const up = await fakeUpstream();
    stops.push(() => (up.udp.close(), new Promise<void>((r) => up.tcp.close(() => r()))));
    const layout = parsePool("10.77.0.0/16", null);
    const { port, outcomes } = await start({
      upstreams: [{ host: "127.0.0.1", port: up.port }],
      allow: (a) => inPool(layout, a),
    });
    const u = await udpAsk(port, buildQuery("example.test", 1, 7));
    assert.equal(rcodeOf(u), RCODE.REFUSED);
    assert.equal(u.readUInt16BE(0), 7);
    const t = await tcpAsk(port, buildQuery("example.test", 1, 8));
    assert.equal(rcodeOf(t), RCODE.REFUSED);
    assert.equal(up.queries.length, 0);
    assert.deepEqual(outcomes, ["refused", "refused"]);
  });

  it("answers SERVFAIL when no upstream answers in time, after trying each", async () => {
    // Two silent upstreams: a bound UDP socket that never replies, and the same port again.
    const mute = createSocket("udp4");
    let heard = 0;
    mute.on("message", () => heard++);
    await new Promise<void>((r) => mute.bind(0, "127.0.0.1", r));
    stops.push(() => void mute.close());
    const silentUp = { host: "127.0.0.1", port: mute.address().port };
    const { port, outcomes } = await start({ upstreams: [silentUp, silentUp], allow: () => true, timeoutMs: 200 });
    const a = await udpAsk(port, buildQuery("slow.test", 1, 5));
    assert.equal(rcodeOf(a), RCODE.SERVFAIL);
    assert.equal(a.readUInt16BE(0), 5);
    assert.equal(heard, 2);
    assert.deepEqual(outcomes, ["servfail"]);
  });

  it("answers FORMERR to a malformed query and SERVFAIL with no upstream at all", async () => {
    const { port, outcomes } = await start({ upstreams: [], allow: () => true });
    const bad = buildQuery("a.test");
    bad.writeUInt16BE(3, 4);
    assert.equal(rcodeOf(await udpAsk(port, bad)), RCODE.FORMERR);
    assert.equal(rcodeOf(await udpAsk(port, buildQuery("a.test"))), RCODE.SERVFAIL);
    assert.deepEqual(outcomes, ["formerr", "servfail"]);
  });

  it("says which address it cannot bind and closes what it opened", async () => {
    const fwd = createDnsForwarder({
      listen: [
        { host: "127.0.0.1", port: 0 },
        { host: "192.0.2.123", port: 0 },
      ],
      upstreams: [],
      allow: () => true,
      timeoutMs: 100,
      log: silent,
    });
    await assert.rejects(fwd.start(), /cannot serve DNS on 192\.0\.2\.123:0: EADDRNOTAVAIL/);
  });
});
