/**
 * The agent end to end on the mock data plane and the mock chain: provisioning, refusals,
 * metering across counter resets, the voucher API's refusals, the payment policy, claims,
 * closes, and a restart on the same store.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hashUsageVoucher, hashVoucherTerms, signUsageVoucher } from "../../sdk/src/vouchers/usage.ts";
import { createGatewayAgent, type GatewayAgent } from "./agent.ts";
import { ACCEPT_CONCURRENCY } from "./sessions/accept.ts";
import { createMockChain, type MockChain } from "./testing/mockChain.ts";
import { createMockBackend, type MockBackend } from "./wireguard/mock.ts";

const providerKey = generatePrivateKey();
const provider = privateKeyToAccount(providerKey).address;
const signer = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const keyHex = (n: number) => `0x${n.toString(16).padStart(2, "0").repeat(32)}` as Hex;
const keyB64 = (n: number) => Buffer.from(keyHex(n).slice(2), "hex").toString("base64");

let dir: string;
let clock = 1_000_000;
const now = () => clock;
let chain: MockChain;
let backend: MockBackend;
let agent: GatewayAgent;
const lines: { msg: string; reason?: string }[] = [];
const logger = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l)) });

function makeAgent(overrides: Record<string, unknown> = {}): GatewayAgent {
  return createGatewayAgent(
    {
      rpcUrl: "http://127.0.0.1:1",
      deployment: {
        chainId: 31337,
        startBlock: 1,
        contracts: { ProviderRegistry: { address: provider }, SessionEscrow: { address: provider } },
      },
      privateKey: providerKey,
      dataDir: dir,
      ipv4Pool: "10.66.0.0/29",
      ipv6Pool: "fd77:dead:beef::/64",
      voucherListen: "127.0.0.1:0",
      metricsListen: "127.0.0.1:0",
      confirmations: 0,
      maxLogRange: 3, // backfill in many small ranges, each with its checkpoint
      pollIntervalMs: 3_600_000,
      reconcileIntervalMs: 3_600_000,
      resyncIntervalMs: 3_600_000,
      claimEveryAmount: "1000",
      claimIntervalSeconds: 3600,
      addressQuarantineSeconds: 60,
      idleTimeoutSeconds: 10_000,
      heartbeat: true,
      heartbeatIntervalSeconds: 3600,
      pauseOnShutdown: true,
      ...overrides,
    },
    { backend, chain, logger, now },
  );
}

function http(
  method: string,
  url: string,
  body?: string | Buffer,
): Promise<{ status: number; json: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body ? { "content-type": "application/json" } : {} }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The terms hash a voucher of session `id` is bound to, from the agent's own record of it. */
function termsFor(id: bigint): Hex {
  const s = agent.session(id);
  if (!s) throw new Error(`session ${id} unknown to the agent`);
  const { deposit, pricePerGiB, pricePerMinute } = s;
  return hashVoucherTerms({ provider: chain.provider, deposit, pricePerGiB, pricePerMinute });
}

async function voucher(id: bigint, bytes: bigint, seconds: bigint, by = signer) {
  const signature = await signUsageVoucher({
    account: by,
    domain: { chainId: 31337, escrow: chain.escrow },
    voucher: { sessionId: id, terms: termsFor(id), bytes, seconds },
  });
  return JSON.stringify({ sessionId: id.toString(), bytes: bytes.toString(), seconds: seconds.toString(), signature });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "agent-unit-"));
  chain = createMockChain(provider, now);
  backend = createMockBackend("dvpn-mock", now);
  agent = makeAgent();
  await agent.start();
});

after(async () => {
  await agent.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

test("a session is provisioned, accepted with its tunnel address, and metered", async () => {
  const id = chain.open({ wgPublicKey: keyHex(1), signer: signer.address });
  await agent.tick();
  assert.ok(backend.peers.has(keyB64(1)));
  assert.deepEqual(backend.peers.get(keyB64(1))?.allowedIps, ["10.66.0.2/32", "fd77:dead:beef::2/128"]);
  const accept = chain.calls.find((c) => c.fn === "acceptSession");
  assert.deepEqual(accept?.args, [id, "10.66.0.2/29,fd77:dead:beef::2/64"]);
  assert.equal(chain.sessions.get(id)?.status, "Active");
  backend.traffic(keyB64(1), 1000n, 500n);
  await agent.reconcile();
  assert.equal(agent.session(id)?.meteredBytes, 1500n);
});

test("bad and duplicate keys are rejected on chain, foreign and late sessions ignored; nothing is provisioned", async () => {
  const before = backend.peers.size;
  const zero = chain.open({ wgPublicKey: `0x${"00".repeat(32)}`, signer: signer.address });
  const dup = chain.open({ wgPublicKey: keyHex(1), signer: signer.address });
  const other = chain.open({ wgPublicKey: keyHex(9), signer: signer.address, provider: stranger.address });
  const late = chain.open({ wgPublicKey: keyHex(8), signer: signer.address, acceptDeadline: clock - 1 });
  await agent.tick();
  assert.equal(backend.peers.size, before);
  // A key it cannot use, or one a live session holds: rejected on chain at once (the deposit returns).
  assert.equal(agent.session(zero)?.status, "closed");
  assert.equal(agent.session(zero)?.reason, "rejected:bad-key");
  assert.equal(agent.session(dup)?.reason, "rejected:duplicate-key");
  const rejected = chain.calls.filter((c) => c.fn === "rejectSession").map((c) => c.args.slice(0, 2));
  assert.deepEqual(
    rejected.filter(([id]) => id === zero || id === dup),
    [
      [zero, "bad-key"],
      [dup, "duplicate-key"],
    ],
  );
  assert.equal(agent.session(other), undefined);
  assert.equal(agent.session(late)?.status, "expired");
  const accepted = chain.calls.filter((c) => c.fn === "acceptSession").map((c) => c.args[0]);
  for (const id of [zero, dup, other, late]) assert.ok(!accepted.includes(id));
  assert.ok(lines.some((l) => l.msg === "session refused" && l.reason === "duplicate-key"));
  assert.ok(lines.some((l) => l.msg === "event for another provider ignored"));
  assert.equal(agent.metrics.get("dvpn_agent_sessions_refused_total", { reason: "bad-key" }), 1);
});

test("counters that go down are counted as a reset; unknown peers are removed; lost peers restored", async () => {
  const id = 1n;
  const before = agent.session(id)!.meteredBytes;
  backend.traffic(keyB64(1), 100n, 0n);
  await agent.reconcile();
  backend.kill(); // the interface and every peer vanish (wireguard-go died)
  await new Promise((r) => setTimeout(r, 20));
  await agent.reconcile();
  assert.ok(backend.peers.has(keyB64(1)), "peer restored");
  backend.traffic(keyB64(1), 40n, 2n);
  await agent.reconcile();
  assert.equal(agent.session(id)!.meteredBytes, before + 100n + 42n);
  backend.inject({ publicKey: keyB64(77), allowedIps: ["10.66.0.6/32"] });
  await agent.reconcile();
  assert.ok(!backend.peers.has(keyB64(77)));
  assert.ok(agent.metrics.get("dvpn_agent_drift_corrections_total") >= 2);
});

test("the voucher API refuses malformed, oversized, wrongly signed and replayed vouchers", async () => {
  const url = `${agent.urls().vouchers}/v1/vouchers`;
  const good = await voucher(1n, 1000n, 10n);
  const cases: [string | Buffer, number, RegExp][] = [
    ["{not json", 400, /malformed JSON/],
    [JSON.stringify({ sessionId: "1", bytes: "1", seconds: "1" }), 400, /signature/],
    [JSON.stringify({ ...JSON.parse(good), extra: 1 }), 400, /invalid/],
    [JSON.stringify({ ...JSON.parse(good), bytes: "18446744073709551616" }), 400, /out of range/],
    [JSON.stringify({ ...JSON.parse(good), bytes: 1000 }), 400, /invalid/],
    [JSON.stringify({ ...JSON.parse(good), sessionId: "999" }), 404, /unknown session/],
    [await voucher(1n, 1000n, 10n, stranger), 403, /signature/],
    [JSON.stringify({ ...JSON.parse(good), bytes: "1001" }), 403, /signature/],
    [Buffer.alloc(5000, 0x20), 413, /4096/],
  ];
  for (const [body, status, error] of cases) {
    const r = await http("POST", url, body);
    assert.equal(r.status, status, `${String(body).slice(0, 60)} → ${JSON.stringify(r.json)}`);
    assert.match(r.json.error ?? "", error);
  }
  assert.equal(agent.session(1n)?.voucherBytes, 0n);
  const ok = await http("POST", url, good);
  assert.equal(ok.status, 200);
  assert.equal(ok.json.accepted, true);
  const replay = await http("POST", url, good);
  assert.equal(replay.status, 409);
  assert.equal((await http("POST", url, await voucher(1n, 900n, 20n))).status, 409, "lower bytes refused");
  const view = await http("GET", `${agent.urls().vouchers}/v1/sessions/1`);
  assert.equal(view.json.voucherBytes, "1000");
  assert.equal(view.json.meteredBytes, agent.session(1n)!.meteredBytes.toString());
  // The agent advertises its voucher lag tolerance, so clients can sign ahead of it (here the defaults).
  assert.equal(view.json.toleranceBytes, String(1 << 20));
  assert.equal(view.json.tolerancePercent, 5);
  assert.equal(view.json.toleranceSeconds, "120");
  assert.equal(ok.json.toleranceBytes, String(1 << 20));
  assert.ok(agent.metrics.get("dvpn_agent_vouchers_refused_total", { reason: "malformed JSON" }) >= 1);
});

test("a worthwhile voucher is claimed once; a restart claims nothing again and keeps the counted bytes", async () => {
  const url = `${agent.urls().vouchers}/v1/vouchers`;
  const metered = agent.session(1n)!.meteredBytes;
  assert.equal((await http("POST", url, await voucher(1n, 1n << 30n, 30n))).status, 200);
  await agent.tick();
  const claims = chain.calls.filter((c) => c.fn === "claim");
  assert.equal(claims.length, 1);
  assert.equal(chain.sessions.get(1n)?.claimedBytes, 1n << 30n);
  await agent.stop();
  assert.ok(backend.peers.has(keyB64(1)), "stop leaves live peers up");
  agent = makeAgent();
  await agent.start();
  await agent.tick();
  await agent.resync();
  assert.equal(chain.calls.filter((c) => c.fn === "claim").length, 1);
  assert.equal(agent.store.getMeta("checkpoint"), chain.head.toString());
  assert.equal(agent.session(1n)!.meteredBytes, metered);
  assert.equal(agent.session(1n)!.claimedBytes, 1n << 30n);
});

test("a claim the escrow refuses for its signature cuts the peer and closes the session", async () => {
  const id = chain.open({ wgPublicKey: keyHex(3), signer: signer.address });
  await agent.tick();
  assert.ok(backend.peers.has(keyB64(3)));
  const url = `${agent.urls().vouchers}/v1/vouchers`;
  assert.equal((await http("POST", url, await voucher(id, 1n << 30n, 30n))).status, 200);
  chain.refuseVouchers.add(id); // valid by ECDSA for the agent, refused by the escrow
  await agent.tick();
  assert.equal(agent.session(id)?.cutReason, "voucher-refused-on-chain");
  await agent.tick();
  assert.ok(!backend.peers.has(keyB64(3)), "peer cut");
  const fns = chain.calls.filter((c) => c.args[0] === id).map((c) => c.fn);
  assert.deepEqual(fns.slice(-3), ["claim", "closeWithVoucher", "closeSession"]);
  assert.equal(chain.sessions.get(id)?.status, "Closed");
  chain.refuseVouchers.delete(id);
  clock += 61; // its address leaves the quarantine for the tests below
});

test("a peer that pays within the grace is served; one whose vouchers lag beyond it is cut and closed with its best voucher", async () => {
  const id = chain.open({ wgPublicKey: keyHex(2), signer: signer.address });
  await agent.tick();
  assert.ok(backend.peers.has(keyB64(2)));
  const url = `${agent.urls().vouchers}/v1/vouchers`;
  assert.equal((await http("POST", url, await voucher(id, 10n, 1n))).status, 200);
  // 3 MiB metered, 10 bytes signed: beyond 1 MiB + 5 %, but the client has 10 s (the grace) to pay.
  backend.traffic(keyB64(2), 3n << 20n, 0n);
  await agent.tick();
  clock += 5;
  await agent.tick();
  assert.ok(backend.peers.has(keyB64(2)), "cut within the grace");
  assert.equal((await http("POST", url, await voucher(id, 3n << 20n, 6n))).status, 200);
  clock += 6;
  await agent.tick();
  assert.ok(backend.peers.has(keyB64(2)), "cut although the meter of 10 s ago is paid");
  // 6 MiB more that the client never pays for: cut once the grace has passed since the meter read it.
  backend.traffic(keyB64(2), 6n << 20n, 0n);
  await agent.tick();
  assert.ok(backend.peers.has(keyB64(2)), "cut within the grace");
  clock += 11;
  await agent.tick();
  assert.equal(agent.session(id)?.cutReason, "voucher-lag-bytes");
  await agent.tick();
  assert.ok(!backend.peers.has(keyB64(2)), "peer cut");
  // The best voucher (3 MiB, 6 s) was claimed already, so the close needs none.
  const calls = chain.calls.filter((c) => c.args[0] === id);
  assert.deepEqual(
    calls.map((c) => c.fn),
    ["acceptSession", "claim", "closeSession"],
  );
  assert.deepEqual(calls[1]!.args.slice(0, 3), [id, 3n << 20n, 6n]);
  assert.equal(agent.session(id)?.status, "closed");
  assert.ok(lines.some((l) => l.msg === "cutting peer" && l.reason === "voucher-lag-bytes"));
});

test("a peer that outruns its vouchers by more than lagMaxBytes is cut at once, grace or not", async () => {
  clock += 61; // the cut session's address is out of quarantine
  const id = chain.open({ wgPublicKey: keyHex(4), signer: signer.address });
  await agent.tick();
  assert.ok(backend.peers.has(keyB64(4)));
  backend.traffic(keyB64(4), (1n << 30n) + 1n, 0n);
  await agent.tick();
  assert.equal(agent.session(id)?.cutReason, "voucher-lag-bytes");
});

test("a client close: final counters read, peer removed, last voucher claimed within the window", async () => {
  const id = chain.open({ wgPublicKey: keyHex(3), signer: signer.address });
  await agent.tick();
  backend.traffic(keyB64(3), 2000n, 0n);
  const url = `${agent.urls().vouchers}/v1/vouchers`;
  await agent.reconcile();
  assert.equal((await http("POST", url, await voucher(id, 2000n, 5n))).status, 200);
  backend.traffic(keyB64(3), 77n, 0n);
  chain.clientClose(id, clock + 3600);
  await agent.tick();
  assert.ok(!backend.peers.has(keyB64(3)));
  assert.equal(agent.session(id)?.meteredBytes, 2077n, "bytes up to removal counted");
  assert.equal(agent.session(id)?.status, "closed");
  assert.equal(chain.sessions.get(id)?.claimedBytes, 2000n);
});

test("capacity and address exhaustion refuse new sessions; released addresses wait out the quarantine", async () => {
  // The /29 pool has 5 addresses (2..6): session 1 holds one, sessions 2 and 3 released theirs into quarantine.
  const ids = [10, 11, 12, 13, 14].map((n) => chain.open({ wgPublicKey: keyHex(n), signer: signer.address }));
  await agent.tick();
  const statuses = ids.map((id) => agent.session(id)?.reason ?? agent.session(id)?.status);
  // Refused for want of an address, and rejected on chain: their deposits return at once.
  const rejected = "rejected:pool-exhausted";
  assert.deepEqual(statuses, ["active", "active", rejected, rejected, rejected]);
  for (const id of ids.slice(2)) assert.equal(chain.sessions.get(id)?.status, "Closed");
  const addrs = new Set([1n, ...ids.slice(0, 2)].map((id) => agent.session(id)?.tunnelAddress));
  assert.equal(addrs.size, 3, "no duplicate addresses");
  clock += 61;
  const later = chain.open({ wgPublicKey: keyHex(20), signer: signer.address });
  await agent.tick();
  assert.equal(agent.session(later)?.status, "active");
});

test("sessions from the chain with huge numbers are stored and served without loss", async () => {
  const huge = (1n << 255n) + 12345n;
  chain.mine();
  // The escrow holds it too (the agent checks sessions against getSession).
  chain.sessions.set(huge, {
    client: signer.address,
    provider: chain.provider,
    signer: signer.address,
    status: "Pending",
    deadline: 2 ** 40 - 1,
    feeBps: 65535,
    deposit: (1n << 96n) - 1n,
    pricePerGiB: (1n << 96n) - 1n,
    pricePerMinute: (1n << 96n) - 1n,
    claimedBytes: 0n,
    claimedSeconds: 0n,
    wgPublicKey: keyHex(30),
  });
  chain.events.push({
    type: "SessionOpened",
    sessionId: huge,
    provider: chain.provider,
    client: signer.address,
    wgPublicKey: keyHex(30),
    signer: signer.address,
    deposit: (1n << 96n) - 1n,
    pricePerGiB: (1n << 96n) - 1n,
    pricePerMinute: (1n << 96n) - 1n,
    feeBps: 65535,
    acceptDeadline: 2 ** 40 - 1,
    blockNumber: chain.head,
    logIndex: 0,
  });
  await agent.tick();
  const s = agent.session(huge);
  assert.equal(s?.deposit, (1n << 96n) - 1n);
  assert.equal(s?.id, huge);
  const view = await http("GET", `${agent.urls().vouchers}/v1/sessions/${huge}`);
  assert.equal(view.json.sessionId, huge.toString());
});

test("a client gone quiet is cut and closed with its best voucher; heartbeats sent; paused on shutdown", async () => {
  // The pool is full by now: reuse session of key 10 from the capacity test.
  const id = [...chain.sessions].find(([, s]) => s.wgPublicKey === keyHex(10))![0];
  backend.traffic(keyB64(10), 100n, 100n);
  await agent.reconcile();
  const url = `${agent.urls().vouchers}/v1/vouchers`;
  assert.equal((await http("POST", url, await voucher(id, 200n, 3n))).status, 200);
  clock += 10_001;
  await agent.tick();
  assert.ok(!backend.peers.has(keyB64(10)));
  assert.equal(agent.session(id)?.cutReason, "idle");
  const close = chain.calls.find((c) => c.fn === "closeWithVoucher" && c.args[0] === id);
  assert.deepEqual(close?.args.slice(0, 3), [id, 200n, 3n]);
  assert.ok(chain.calls.some((c) => c.fn === "heartbeat"));
  await agent.stop();
  assert.ok(chain.calls.some((c) => c.fn === "pause"));
});

test("vouchers of a contract-wallet signer are checked with ERC-1271", async () => {
  const wallet = "0x00000000000000000000000000000000000000a1";
  clock += 61; // the idle session's address is out of quarantine
  const id = chain.open({ wgPublicKey: keyHex(50), signer: wallet });
  agent = makeAgent();
  await agent.start();
  await agent.tick();
  assert.equal(agent.session(id)?.status, "active", JSON.stringify(agent.session(id)?.reason));
  const sig = `0x${"ab".repeat(100)}`;
  const hash = hashUsageVoucher(
    { chainId: 31337, escrow: chain.escrow },
    { sessionId: id, terms: termsFor(id), bytes: 10n, seconds: 1n },
  );
  const body = JSON.stringify({ sessionId: id.toString(), bytes: "10", seconds: "1", signature: sig });
  const url = `${agent.urls().vouchers}/v1/vouchers`;
  assert.equal((await http("POST", url, body)).status, 403);
  chain.erc1271.add(`${wallet}:${hash}:${sig}`.toLowerCase());
  assert.equal((await http("POST", url, body)).status, 200);
  assert.equal(agent.session(id)?.voucherBytes, 10n);
});

test("a cut session whose voucher the escrow refuses is still closed (refund), without the voucher", async () => {
  const id = [...chain.sessions].find(([, s]) => s.wgPublicKey === keyHex(50))![0];
  chain.refuseVouchers.add(id);
  backend.traffic(keyB64(50), 5n << 20n, 0n); // far beyond the 10 signed bytes
  await agent.tick();
  clock += 11; // the grace passes
  await agent.tick();
  assert.equal(agent.session(id)?.cutReason, "voucher-lag-bytes");
  const fns = chain.calls.filter((c) => c.args[0] === id).map((c) => c.fn);
  assert.deepEqual(fns.slice(-2), ["closeWithVoucher", "closeSession"]);
  assert.equal(chain.sessions.get(id)?.status, "Closed");
  assert.equal(agent.session(id)?.status, "closed");
  await agent.stop();
});

test("the voucher API takes its connection caps from the agent's config", async () => {
  agent = makeAgent({ voucherMaxConnectionsPerSource: 1 });
  await agent.start();
  const port = Number(new URL(agent.urls().vouchers!).port);
  const sockets: Socket[] = [];
  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" });
      sockets.push(s);
      s.once("connect", () => resolve(s));
      s.once("error", reject);
    });
  try {
    const first = await open();
    const answered = new Promise<string>((resolve) => first.once("data", (d: Buffer) => resolve(d.toString("latin1"))));
    first.write("GET /v1/sessions/1 HTTP/1.1\r\nHost: gateway\r\nConnection: keep-alive\r\n\r\n");
    assert.match((await answered).split("\r\n")[0] ?? "", /^HTTP\/1\.1 \d{3}/);
    // The second connection from the same address is over the configured cap of 1: closed unanswered.
    const second = await open();
    let received = "";
    second.on("data", (d: Buffer) => (received += d.toString("latin1")));
    second.on("error", () => {});
    await new Promise<void>((resolve) => {
      second.once("close", () => resolve());
      second.write("GET /v1/sessions/1 HTTP/1.1\r\nHost: gateway\r\n\r\n", () => {});
    });
    assert.equal(received, "");
  } finally {
    for (const s of sockets) s.destroy();
    await agent.stop();
  }
});

test("a cut or closing session the contract no longer knows is dropped, with no claim or close sent", async () => {
  clock += 61; // earlier sessions' addresses are out of quarantine
  agent = makeAgent();
  await agent.start();
  try {
    const cut = chain.open({ wgPublicKey: keyHex(60), signer: signer.address });
    const closing = chain.open({ wgPublicKey: keyHex(61), signer: signer.address });
    await agent.tick();
    assert.equal(agent.session(cut)?.status, "active");
    assert.equal(agent.session(closing)?.status, "active");
    // Both vanish from the chain (a reorganisation the agent has not seen yet); one is cut for
    // lagging vouchers, the other was being closed by its client.
    chain.clientClose(closing, clock + 3600);
    chain.sessions.delete(cut);
    chain.sessions.delete(closing);
    backend.traffic(keyB64(60), 5n << 20n, 0n);
    const before = chain.calls.length;
    await agent.tick();
    clock += 11; // the grace passes
    await agent.tick();
    await agent.tick();
    const sent = chain.calls.slice(before).filter((c) => c.args[0] === cut || c.args[0] === closing);
    assert.deepEqual(
      sent.map((c) => c.fn),
      [],
    );
    for (const id of [cut, closing]) {
      assert.equal(agent.session(id)?.status, "refused");
      assert.equal(agent.session(id)?.reason, "not-on-chain");
    }
    assert.ok(!backend.peers.has(keyB64(60)) && !backend.peers.has(keyB64(61)));
  } finally {
    await agent.stop();
  }
});

test("an accept that loses the race with the client's cancel is a normal outcome: peer removed, one log line", async () => {
  clock += 61;
  agent = makeAgent({ ipv4Pool: "10.68.0.0/29" });
  await agent.start();
  const original = chain.acceptSession.bind(chain);
  const id = chain.open({ wgPublicKey: keyHex(140), signer: signer.address });
  // The client's cancelSession is mined first; the agent's accept then reverts by name.
  chain.acceptSession = async (sid, tunnelAddress) => {
    const s = chain.sessions.get(sid)!;
    s.status = "Closed";
    s.deadline = 0;
    return original(sid, tunnelAddress);
  };
  const from = lines.length;
  try {
    await agent.tick();
    await agent.tick();
    assert.equal(agent.session(id)?.status, "expired");
    assert.equal(agent.session(id)?.reason, "cancelled");
    assert.ok(!backend.peers.has(keyB64(140)), "no peer left for the withdrawn session");
    const logged = lines.slice(from).map((l) => l.msg);
    assert.ok(logged.includes("session withdrawn by its client before acceptance; peer removed"));
    assert.ok(!logged.includes("session could not be accepted; peer dropped"));
    assert.equal(chain.calls.filter((c) => c.fn === "acceptSession" && c.args[0] === id).length, 1, "not retried");
  } finally {
    chain.acceptSession = original;
    await agent.stop();
  }
});

test("a burst of opens is accepted several at a time, at most ACCEPT_CONCURRENCY in flight", async () => {
  clock += 61;
  agent = makeAgent({ ipv4Pool: "10.67.0.0/24" });
  await agent.start();
  const original = chain.acceptSession.bind(chain);
  let inFlight = 0;
  let most = 0;
  chain.acceptSession = async (id, tunnelAddress) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 20)); // a receipt takes a while
    inFlight--;
    return original(id, tunnelAddress);
  };
  try {
    const ids = Array.from({ length: 20 }, (_, i) =>
      chain.open({ wgPublicKey: keyHex(100 + i), signer: signer.address }),
    );
    await agent.tick();
    assert.deepEqual(
      ids.map((id) => agent.session(id)?.status),
      ids.map(() => "active"),
    );
    assert.equal(most, ACCEPT_CONCURRENCY);
  } finally {
    chain.acceptSession = original;
    await agent.stop();
  }
});
