/**
 * A stand-in resolver for namespace tests: `node tinyDns.ts <answer-ipv4> <listen-address>...`
 * serves UDP and TCP port 53 on each address and answers every A query with <answer-ipv4>
 * (TTL 0), every other type with an empty NOERROR, and prints one JSON line per query on stdout
 * ({ from, name, type, transport }) so the test sees who asked what. Prints `ready` once bound.
 */
import { createSocket } from "node:dgram";
import { createServer, isIPv6 } from "node:net";

const [answerIp, ...addresses] = process.argv.slice(2);
if (!answerIp || addresses.length === 0) throw new Error("usage: tinyDns.ts <answer-ipv4> <listen-address>...");

function answer(q: Buffer, from: string, transport: string): Buffer | undefined {
  if (q.length < 17) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < q.length && q[at]! > 0) {
    labels.push(q.toString("latin1", at + 1, at + 1 + q[at]!));
    at += 1 + q[at]!;
  }
  const end = at + 5;
  if (end > q.length) return undefined;
  const type = q.readUInt16BE(at + 1);
  process.stdout.write(JSON.stringify({ from, name: labels.join("."), type, transport }) + "\n");
  const head = Buffer.from(q.subarray(0, 12));
  head.writeUInt16BE(0x8180 | (q.readUInt16BE(2) & 0x0100), 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(type === 1 ? 1 : 0, 6);
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(0, 10);
  const question = q.subarray(12, end);
  if (type !== 1) return Buffer.concat([head, question]);
  const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, ...answerIp!.split(".").map(Number)]);
  return Buffer.concat([head, question, rr]);
}

let pending = addresses.length * 2;
const bound = () => --pending === 0 && process.stdout.write("ready\n");
for (const address of addresses) {
  const udp = createSocket(isIPv6(address) ? "udp6" : "udp4");
  udp.on("message", (m, r) => {
    const a = answer(m, r.address, "udp");
    if (a) udp.send(a, r.port, r.address);
  });
  udp.bind(53, address, bound);
  createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on("error", () => c.destroy());
    c.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const a = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)), c.remoteAddress ?? "", "tcp");
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        if (!a) return void c.destroy();
        const len = Buffer.alloc(2);
        len.writeUInt16BE(a.length);
        c.write(Buffer.concat([len, a]));
      }
    });
  }).listen(53, address, bound);
}
