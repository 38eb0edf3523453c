/**
 * The voucher API's connection caps: one source address cannot hold more than its share of the
 * agent's sockets, the total is bounded, refusals are logged at a limited rate, and after a flood
 * vouchers are accepted as before.
 */
import assert from "node:assert/strict";
import { request, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hashVoucherTerms, signUsageVoucher } from "../../../sdk/src/vouchers/usage.ts";
import { validateConfig } from "../config/load.ts";
import { newSessionRecord, openStore, type Store } from "../store/store.ts";
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_SOURCE,
  createVoucherServer,
  type VoucherServerParams,
} from "./server.ts";

const domain = { chainId: 31337, escrow: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const provider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
/** The terms of the one session the tests store (deposit 10^12, 1 per GiB and per minute). */
const terms = hashVoucherTerms({ provider, deposit: 10n ** 12n, pricePerGiB: 1n, pricePerMinute: 1n });
const signer = privateKeyToAccount(generatePrivateKey());
const PER_SOURCE = 8;
const TOTAL = 12;

interface Line {
  o: Record<string, unknown>;
  m: string;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

/** A raw TCP connection from `localAddress` (any 127.x address is this host's loopback). */
function open(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, localAddress });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Sends a keep-alive GET on `s` and returns the status line; the connection stays open. */
function get(s: Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to GET ${path} within 5 s`)), 5000);
    s.once("data", (d: Buffer) => {
      clearTimeout(timer);
      resolve(d.toString("latin1").split("\r\n")[0] ?? "");
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.write(`GET ${path} HTTP/1.1\r\nHost: gateway\r\nConnection: keep-alive\r\n\r\n`);
  });
}

/** Resolves once the server has closed `s` without answering anything; rejects after 5 s. */
function closedByServer(s: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = "";
    s.on("data", (d: Buffer) => (received += d.toString("latin1")));
    s.on("error", () => {}); // a reset is a refusal too
    const timer = setTimeout(() => reject(new Error("connection still open after 5 s")), 5000);
    s.once("close", () => {
      clearTimeout(timer);
      if (received) reject(new Error(`refused connection got an answer: ${received.slice(0, 80)}`));
      else resolve();
    });
    // Ask for something: a connection the server kept would answer it.
    s.write("GET /v1/sessions/1 HTTP/1.1\r\nHost: gateway\r\n\r\n", () => {});
  });
}

async function connections(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
}

/** Waits (bounded) until the server counts `n` open connections. */
async function untilConnections(server: Server, n: number): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if ((await connections(server)) === n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`server still has ${await connections(server)} connections, expected ${n}`);
}

/** POSTs a voucher with node:http from `localAddress` (fresh connection) and returns status and body. */
function postVoucher(port: number, localAddress: string, body: object): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(
      {
        host: "127.0.0.1",
        port,
        localAddress,
        path: "/v1/vouchers",
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
      },
      (res) => {
        let out = "";
        res.on("data", (d: Buffer) => (out += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: out }));
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

async function voucher(bytes: bigint, seconds: bigint) {
  const signature = await signUsageVoucher({
    account: signer,
    domain,
    voucher: { sessionId: 1n, terms, bytes, seconds },
  });
  return { sessionId: "1", bytes: bytes.toString(), seconds: seconds.toString(), signature };
}

describe("voucher API connection caps", () => {
  let store: Store;
  let server: Server;
  let port: number;
  const lines: Line[] = [];
  const refused: string[] = [];
  const sockets: Socket[] = [];

  before(async () => {
    store = openStore(":memory:");
    store.put(
      newSessionRecord({
        id: 1n,
        client: signer.address,
        signer: signer.address,
        wgKey: "k",
        deposit: 10n ** 12n,
        pricePerGiB: 1n,
        pricePerMinute: 1n,
        feeBps: 0,
        acceptDeadline: 0,
        openedAt: 0,
        status: "active",
      }),
    );
    const params: VoucherServerParams = {
      store,
      domain,
      provider,
      metered: () => ({ bytes: 0n, seconds: 0n }),
      // Only the connection refusals (the 404s of the probes below are logged and counted too).
      log: {
        warn: (o, m) => void (m === "voucher API connections refused" && lines.push({ o: o as Line["o"], m })),
        info: () => {},
      },
      onRefused: (reason) => void (reason.startsWith("too many connections") && refused.push(reason)),
      maxConnectionsPerSource: PER_SOURCE,
      maxConnections: TOTAL,
      refusedLogIntervalMs: 3_600_000,
    };
    server = createVoucherServer(params);
    server.keepAliveTimeout = 60_000;
    port = await listen(server);
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    store.close();
  });

  test("a flood from one address is refused; other addresses are served; vouchers work afterwards", async () => {
    // The first eight from 127.0.0.2 are served and kept open.
    const flood: Socket[] = [];
    for (let i = 0; i < PER_SOURCE; i++) {
      const s = await open(port, "127.0.0.2");
      sockets.push(s);
      flood.push(s);
      assert.equal(await get(s, "/v1/sessions/99"), "HTTP/1.1 404 Not Found");
    }
    // The next twenty from the same address are closed without an answer.
    const excess = await Promise.all(Array.from({ length: 20 }, () => open(port, "127.0.0.2")));
    sockets.push(...excess);
    await Promise.all(excess.map(closedByServer));
    assert.deepEqual(new Set(refused), new Set(["too many connections from this address"]));
    assert.equal(refused.length, 20);

    // Another address is still served, up to the total.
    for (let i = 0; i < TOTAL - PER_SOURCE; i++) {
      const s = await open(port, `127.0.0.${3 + i}`);
      sockets.push(s);
      assert.equal(await get(s, "/v1/sessions/99"), "HTTP/1.1 404 Not Found");
    }
    const overTotal = await open(port, "127.0.0.20");
    sockets.push(overTotal);
    await closedByServer(overTotal);
    assert.equal(refused.at(-1), "too many connections");

    // The agent's own host (source = the address it reached) is not limited.
    const local: Socket[] = [];
    for (let i = 0; i < PER_SOURCE + 4; i++) {
      const s = await open(port, "127.0.0.1");
      sockets.push(s);
      local.push(s);
      assert.equal(await get(s, "/v1/sessions/99"), "HTTP/1.1 404 Not Found");
    }
    assert.equal(refused.length, 21);

    // One log line for the 21 refusals within the interval, naming the source and the reason only.
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0]!.m, "voucher API connections refused");
    assert.equal(lines[0]!.o.remote, "127.0.0.2");
    assert.equal(lines[0]!.o.reason, "too many connections from this address");
    assert.equal(lines[0]!.o.maxPerSource, PER_SOURCE);
    assert.doesNotMatch(JSON.stringify(lines), /0x[0-9a-f]{40}/i);

    // While the flood holds its eight, a ninth connection from the flooding address still gets nothing.
    const stillFull = await postVoucher(port, "127.0.0.2", await voucher(1n, 1n)).catch((e: Error) => e);
    assert.ok(stillFull instanceof Error, `expected a refused connection, got ${JSON.stringify(stillFull)}`);
    assert.equal(store.get(1n)!.voucherBytes, 0n);

    // The flood ends: normal voucher posts from that address work again.
    for (const s of [...flood, ...local]) s.destroy();
    for (const s of sockets) s.destroy();
    await untilConnections(server, 0);
    const first = await postVoucher(port, "127.0.0.2", await voucher(1000n, 60n));
    assert.equal(first.status, 200, first.body);
    assert.equal((JSON.parse(first.body) as { accepted: boolean }).accepted, true);
    const second = await postVoucher(port, "127.0.0.3", await voucher(2000n, 120n));
    assert.equal(second.status, 200, second.body);
    assert.equal(store.get(1n)!.voucherBytes, 2000n);
    assert.equal(store.get(1n)!.voucherSeconds, 120n);
  });

  test("with a zero log interval every refusal gets its own line", async () => {
    const logLines: Line[] = [];
    const s2 = createVoucherServer({
      store,
      domain,
      provider,
      metered: () => ({ bytes: 0n, seconds: 0n }),
      log: {
        warn: (o, m) => void (m === "voucher API connections refused" && logLines.push({ o: o as Line["o"], m })),
        info: () => {},
      },
      maxConnectionsPerSource: 1,
      refusedLogIntervalMs: 0,
    });
    const p = await listen(s2);
    const held = await open(p, "127.0.0.2");
    try {
      assert.equal(await get(held, "/v1/sessions/99"), "HTTP/1.1 404 Not Found");
      for (let i = 0; i < 3; i++) await closedByServer(await open(p, "127.0.0.2"));
      assert.deepEqual(
        logLines.map((l) => [l.o.remote, l.o.refused]),
        [
          ["127.0.0.2", 1],
          ["127.0.0.2", 1],
          ["127.0.0.2", 1],
        ],
      );
    } finally {
      held.destroy();
      s2.closeAllConnections();
      await new Promise((r) => s2.close(r));
    }
  });

  test("the agent's configuration carries the caps, with the server's defaults", () => {
    const base = { rpcUrl: "http://127.0.0.1:8545", deployment: "d.json", privateKey: `0x${"11".repeat(32)}` };
    const c = validateConfig(base);
    assert.equal(c.voucherMaxConnectionsPerSource, DEFAULT_MAX_CONNECTIONS_PER_SOURCE);
    assert.equal(c.voucherMaxConnections, DEFAULT_MAX_CONNECTIONS);
    const set = validateConfig({ ...base, voucherMaxConnectionsPerSource: "4", voucherMaxConnections: "64" });
    assert.equal(set.voucherMaxConnectionsPerSource, 4);
    assert.equal(set.voucherMaxConnections, 64);
    assert.throws(
      () => validateConfig({ ...base, voucherMaxConnectionsPerSource: 0 }),
      /voucherMaxConnectionsPerSource: .*DVPN_AGENT_VOUCHER_MAX_CONNECTIONS_PER_SOURCE/,
    );
  });
});
