/**
 * The agent under chain reorganisations deeper than its confirmation depth, on the mock chain
 * (snapshots, another branch mined on top) and the mock data plane: reverted sessions lose
 * their peer and are never paid, sessions of the new branch (even under a reused id) are
 * served, reverted accepts and claims are sent again, and a reorg found during a backfill or
 * beyond the remembered window is handled too.
 */
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hashVoucherTerms, signUsageVoucher } from "../../sdk/src/vouchers/usage.ts";
import { createGatewayAgent, type GatewayAgent } from "./agent.ts";
import { NOT_ON_CHAIN_RETRY_SECONDS } from "./sessions/resync.ts";
import { createMockChain, type MockChain } from "./testing/mockChain.ts";
import { createMockBackend, type MockBackend } from "./wireguard/mock.ts";

const providerKey = generatePrivateKey();
const provider = privateKeyToAccount(providerKey).address;
const keyHex = (n: number) => `0x${n.toString(16).padStart(2, "0").repeat(32)}` as Hex;
const keyB64 = (n: number) => Buffer.from(keyHex(n).slice(2), "hex").toString("base64");
const CLIENT_A = "0x00000000000000000000000000000000000000a1" as Address;
const CLIENT_B = "0x00000000000000000000000000000000000000b2" as Address;

interface Rig {
  chain: MockChain;
  backend: MockBackend;
  agent: GatewayAgent;
  lines: Record<string, unknown>[];
  dir: string;
  make(): GatewayAgent;
}

const rigs: Rig[] = [];
let clock = 1_000_000;
const now = () => clock;

function rig(
  options: {
    confirmations?: number;
    reorgWindowBlocks?: number;
    maxLogRange?: number;
    lagToleranceSeconds?: number;
  } = {},
): Rig {
  const dir = mkdtempSync(join(tmpdir(), "agent-reorg-"));
  const chain = createMockChain(provider, now);
  const backend = createMockBackend("dvpn-mock", now);
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const make = () =>
    createGatewayAgent(
      {
        rpcUrl: "http://127.0.0.1:1",
        deployment: {
          chainId: 31337,
          startBlock: 1,
          contracts: { ProviderRegistry: { address: provider }, SessionEscrow: { address: provider } },
        },
        privateKey: providerKey,
        dataDir: dir,
        ipv4Pool: "10.66.0.0/28",
        voucherListen: "127.0.0.1:0",
        metricsListen: "",
        confirmations: options.confirmations ?? 2,
        reorgWindowBlocks: options.reorgWindowBlocks ?? 64,
        maxLogRange: options.maxLogRange ?? 2000,
        pollIntervalMs: 3_600_000,
        reconcileIntervalMs: 3_600_000,
        resyncIntervalMs: 3_600_000,
        claimEveryAmount: "1",
        claimIntervalSeconds: 3600,
        addressQuarantineSeconds: 60,
        idleTimeoutSeconds: 0,
        heartbeat: false,
        ...(options.lagToleranceSeconds ? { lagToleranceSeconds: options.lagToleranceSeconds } : {}),
      },
      { backend, chain, logger, now },
    );
  const r: Rig = { chain, backend, agent: make(), lines, dir, make };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  clock = 1_000_000;
  for (const r of rigs.splice(0)) {
    await r.agent.stop().catch(() => undefined);
    rmSync(r.dir, { recursive: true, force: true });
  }
});

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function sendVoucher(r: Rig, id: bigint, signer: ReturnType<typeof privateKeyToAccount>, bytes: bigint) {
  const s = r.agent.session(id);
  const terms = s
    ? hashVoucherTerms({ provider: r.chain.provider, ...s })
    : "0x0000000000000000000000000000000000000000000000000000000000000000";
  const signature = await signUsageVoucher({
    account: signer,
    domain: { chainId: 31337, escrow: r.chain.escrow },
    voucher: { sessionId: id, terms, bytes, seconds: 1n },
  });
  const body = JSON.stringify({ sessionId: id.toString(), bytes: bytes.toString(), seconds: "1", signature });
  return post(`${r.agent.urls().vouchers}/v1/vouchers`, body);
}

const mine = (c: MockChain, n: number) => {
  for (let i = 0; i < n; i++) c.mine();
};
const removed = (b: MockBackend, key: string) =>
  b.setCalls.some((call) => call.some((a, i) => a === key && call[i + 1] === "remove"));
const claimsOf = (c: MockChain, id: bigint, from = 0) =>
  c.calls.slice(from).filter((x) => (x.fn === "claim" || x.fn === "closeWithVoucher") && x.args[0] === id);

test("a reorg at the head deeper than the depth: the reverted session loses its peer, the new branch's session under the same id is served", async () => {
  const r = rig({ confirmations: 2 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const signerB = privateKeyToAccount(generatePrivateKey());
  const snap = chain.snapshot();
  chain.nextClient = CLIENT_A;
  const x = chain.open({ wgPublicKey: keyHex(1), signer: signerA.address });
  mine(chain, 2);
  await r.agent.tick();
  assert.ok(backend.peers.has(keyB64(1)), "X provisioned");
  assert.equal(chain.sessions.get(x)?.status, "Active", "X accepted");
  backend.traffic(keyB64(1), 1000n, 0n);
  await r.agent.reconcile();
  assert.equal(await sendVoucher(r, x, signerA, 5000n), 200);
  await r.agent.tick();
  assert.equal(claimsOf(chain, x).length, 1, "X's voucher claimed on the old branch");
  mine(chain, 3);
  await r.agent.tick();
  const oldCheckpoint = BigInt(r.agent.store.getMeta("checkpoint")!);
  const callsAtRevert = chain.calls.length;

  // Another branch from before X: another client opens a session that gets X's id.
  chain.revert(snap);
  chain.nextClient = CLIENT_B;
  const y = chain.open({ wgPublicKey: keyHex(2), signer: signerB.address });
  assert.equal(y, x, "the id is reused on the new branch");
  mine(chain, 8);
  await r.agent.tick();

  assert.ok(!backend.peers.has(keyB64(1)), "no peer for the reverted session");
  assert.ok(removed(backend, keyB64(1)), "its peer was removed with wg set … remove");
  assert.ok(backend.peers.has(keyB64(2)), "the new branch's session is provisioned");
  const s = r.agent.session(y)!;
  assert.equal(s.wgKey, keyB64(2));
  assert.equal(s.client.toLowerCase(), CLIENT_B.toLowerCase());
  assert.equal(s.status, "active");
  assert.equal(s.voucherSig, null, "X's voucher does not carry over to the new session");
  assert.equal(s.claimedBytes, 0n);
  assert.equal(chain.sessions.get(y)?.status, "Active", "accepted on the new branch");
  assert.equal(claimsOf(chain, y, callsAtRevert).length, 0, "nothing claimed with the reverted session's voucher");
  assert.equal(r.agent.metrics.get("dvpn_agent_reorgs_total"), 1);
  const reorgLog = r.lines.find((l) => String(l.msg).startsWith("chain reorganisation"));
  assert.ok(reorgLog, "the reorg is logged");
  assert.equal(BigInt(String(reorgLog.ancestor)) <= snap.head, true, "ancestor at or below the fork");
  assert.equal(reorgLog.depth, Number(oldCheckpoint - BigInt(String(reorgLog.ancestor))));
  assert.ok(
    r.lines.some((l) => l.msg === "session dropped: not on the canonical chain" && l.sessionId === x.toString()),
    "the dropped session is logged",
  );
  // The new session is paid from its own vouchers.
  backend.traffic(keyB64(2), 100n, 0n);
  await r.agent.reconcile();
  assert.equal(await sendVoucher(r, y, signerB, 6000n), 200);
  await r.agent.tick();
  assert.deepEqual(
    claimsOf(chain, y, callsAtRevert).map((c) => c.args[1]),
    [6000n],
  );
});

test("a session that vanished is dropped without a claim or close; its address is quarantined; a later session with its id is served", async () => {
  const r = rig({ confirmations: 1 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const snap = chain.snapshot();
  const x = chain.open({ wgPublicKey: keyHex(3), signer: signerA.address });
  mine(chain, 1);
  await r.agent.tick();
  const addr = r.agent.session(x)!.tunnelAddress;
  backend.traffic(keyB64(3), 1000n, 0n);
  await r.agent.reconcile();
  assert.equal(await sendVoucher(r, x, signerA, 5000n), 200);
  mine(chain, 3);
  await r.agent.tick();
  assert.equal(r.agent.session(x)?.claimedBytes, 5000n, "claimed on the branch that loses");
  chain.revert(snap);
  mine(chain, 6); // a longer branch without X
  const before = chain.calls.length;
  await r.agent.tick();
  await r.agent.tick();
  assert.ok(!backend.peers.has(keyB64(3)));
  const s = r.agent.session(x)!;
  assert.equal(s.status, "refused");
  assert.equal(s.reason, "reorged");
  assert.equal(s.claimedBytes, 0n, "nothing counted as paid");
  assert.equal(chain.calls.slice(before).filter((c) => c.args[0] === x).length, 0, "no claim, close or accept for it");
  assert.equal(r.agent.metrics.get("dvpn_agent_sessions_dropped_total", { reason: "reorged" }), 1);
  // The id comes back for another session: it gets a fresh address (the old one is in quarantine).
  const z = chain.open({ wgPublicKey: keyHex(4), signer: signerA.address });
  assert.equal(z, x);
  mine(chain, 1);
  await r.agent.tick();
  assert.ok(backend.peers.has(keyB64(4)));
  assert.equal(r.agent.session(z)?.status, "active");
  assert.notEqual(r.agent.session(z)?.tunnelAddress, addr, "the quarantined address is not reused");
});

test("the same session mined again on the new branch keeps its peer; a reverted accept and claim are sent again", async () => {
  const r = rig({ confirmations: 1 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  chain.nextClient = CLIENT_A;
  const x = chain.open({ wgPublicKey: keyHex(5), signer: signerA.address });
  const snap = chain.snapshot(); // X opened, not yet accepted
  mine(chain, 1);
  await r.agent.tick();
  assert.equal(chain.sessions.get(x)?.status, "Active");
  backend.traffic(keyB64(5), 1000n, 0n);
  await r.agent.reconcile();
  assert.equal(await sendVoucher(r, x, signerA, 5000n), 200);
  await r.agent.tick();
  assert.equal(claimsOf(chain, x).length, 1);
  mine(chain, 3);
  await r.agent.tick();
  chain.revert(snap); // accept and claim gone
  mine(chain, 6);
  const setCallsBefore = backend.setCalls.length;
  await r.agent.tick();
  await r.agent.tick();
  assert.ok(backend.peers.has(keyB64(5)), "peer kept");
  assert.ok(!removed({ ...backend, setCalls: backend.setCalls.slice(setCallsBefore) }, keyB64(5)), "never removed");
  assert.equal(chain.sessions.get(x)?.status, "Active", "accepted again on the new branch");
  assert.equal(chain.sessions.get(x)?.claimedBytes, 5000n, "claimed again on the new branch");
  assert.equal(r.agent.session(x)?.claimedBytes, 5000n);
  assert.equal(r.agent.metrics.get("dvpn_agent_reorgs_total"), 1);
});

test("a reorg found while backfilling after downtime, and beyond the remembered window, re-verifies everything", async () => {
  const r = rig({ confirmations: 2, reorgWindowBlocks: 3, maxLogRange: 2 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const signerB = privateKeyToAccount(generatePrivateKey());
  const keep = chain.open({ wgPublicKey: keyHex(6), signer: signerA.address });
  mine(chain, 2);
  await r.agent.tick();
  assert.equal(chain.sessions.get(keep)?.status, "Active");
  const snap = chain.snapshot();
  chain.nextClient = CLIENT_A;
  const x = chain.open({ wgPublicKey: keyHex(7), signer: signerA.address });
  mine(chain, 12); // many ranges, more than the window remembers
  await r.agent.tick();
  assert.ok(backend.peers.has(keyB64(7)));
  await r.agent.stop();

  // While it is down, the chain reorganises from before X and goes on.
  chain.revert(snap);
  chain.nextClient = CLIENT_B;
  const y = chain.open({ wgPublicKey: keyHex(8), signer: signerB.address });
  mine(chain, 20);
  r.agent = r.make();
  await r.agent.start();
  await r.agent.tick();
  assert.ok(!backend.peers.has(keyB64(7)), "reverted session's peer removed");
  assert.ok(backend.peers.has(keyB64(8)), "new branch's session served");
  assert.ok(backend.peers.has(keyB64(6)), "the session before the fork keeps its peer");
  assert.equal(r.agent.session(y)?.wgKey, keyB64(8));
  assert.equal(r.agent.session(keep)?.status, "active");
  assert.equal(r.agent.store.getMeta("checkpoint"), String(chain.head - 2n));
});

test("a reorg under a backfill range read is caught before the range is applied", async () => {
  const r = rig({ confirmations: 2, maxLogRange: 3 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const signerB = privateKeyToAccount(generatePrivateKey());
  const snap = chain.snapshot();
  chain.nextClient = CLIENT_A;
  const x = chain.open({ wgPublicKey: keyHex(9), signer: signerA.address });
  mine(chain, 12);
  // On the third range read the chain switches to another branch where CLIENT_B has the id.
  const read = chain.escrowEvents.bind(chain);
  let reads = 0;
  chain.escrowEvents = async (from, to) => {
    const out = await read(from, to);
    if (++reads === 3) {
      chain.revert(snap);
      chain.nextClient = CLIENT_B;
      chain.open({ wgPublicKey: keyHex(10), signer: signerB.address });
      mine(chain, 14);
    }
    return out;
  };
  await r.agent.tick();
  await r.agent.tick();
  assert.ok(!backend.peers.has(keyB64(9)), "the reverted session never keeps a peer");
  assert.ok(backend.peers.has(keyB64(10)));
  assert.equal(r.agent.session(x)?.wgKey, keyB64(10));
  assert.equal(r.agent.metrics.get("dvpn_agent_reorgs_total"), 1);
  assert.equal(
    chain.calls.filter((c) => c.fn === "acceptSession").length,
    1,
    "only the new branch's session was accepted",
  );
});

test("the periodic resync drops a session the contract no longer knows, whatever the cause", async () => {
  const r = rig({ confirmations: 0 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const x = chain.open({ wgPublicKey: keyHex(11), signer: signerA.address });
  await r.agent.tick();
  assert.ok(backend.peers.has(keyB64(11)));
  const record = chain.sessions.get(x)!;
  chain.sessions.delete(x);
  await r.agent.resync();
  assert.ok(!backend.peers.has(keyB64(11)));
  assert.equal(r.agent.session(x)?.reason, "not-on-chain");
  assert.equal(r.agent.metrics.get("dvpn_agent_sessions_dropped_total", { reason: "not-on-chain" }), 1);
  const before = chain.calls.length;
  await r.agent.tick();
  assert.equal(chain.calls.length, before, "nothing sent for it");
  // It was a node that lost state: the session is back with the same terms, and served again.
  chain.sessions.set(x, record);
  await r.agent.resync();
  assert.ok(backend.peers.has(keyB64(11)), "re-admitted");
  assert.equal(r.agent.session(x)?.status, "active");
});

test("a session that vanished while the agent was down is dropped at start and stays dropped until its SessionOpened is confirmed again", async () => {
  const r = rig({ confirmations: 2 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  chain.nextClient = CLIENT_A;
  const snap = chain.snapshot();
  const x = chain.open({ wgPublicKey: keyHex(12), signer: signerA.address });
  mine(chain, 2);
  await r.agent.tick();
  assert.ok(backend.peers.has(keyB64(12)));
  await r.agent.stop();
  const opened = chain.snapshot().events.find((e) => e.type === "SessionOpened" && e.sessionId === x)!;
  chain.revert(snap);
  mine(chain, 8);
  r.agent = r.make();
  await r.agent.start(); // the start-up resync drops it, the first poll finds the reorganisation
  assert.ok(!backend.peers.has(keyB64(12)));
  assert.equal(r.agent.session(x)?.reason, "reorged");
  // The same transaction is mined again: nothing happens until it is past the depth.
  chain.nextClient = CLIENT_A;
  assert.equal(chain.open({ wgPublicKey: keyHex(12), signer: signerA.address }), x);
  chain.events[chain.events.length - 1] = { ...opened, blockNumber: chain.head, logIndex: 0 };
  chain.sessions.get(x)!.deadline = (opened as { acceptDeadline: number }).acceptDeadline;
  await r.agent.resync();
  await r.agent.tick();
  assert.ok(!backend.peers.has(keyB64(12)), "not served before its confirmations");
  mine(chain, 2);
  await r.agent.tick();
  assert.ok(backend.peers.has(keyB64(12)), "served once confirmed");
  assert.equal(r.agent.session(x)?.status, "active");
});

/** Records the ids `getSession` is asked for; `fail(id)` makes a read throw. */
function watchReads(chain: MockChain, fail: (id: bigint) => boolean = () => false): bigint[] {
  const read = chain.getSession.bind(chain);
  const ids: bigint[] = [];
  chain.getSession = async (id) => {
    ids.push(id);
    if (fail(id)) throw new Error("node unreachable");
    return read(id);
  };
  return ids;
}
const writesFor = (c: MockChain, id: bigint, from: number) =>
  c.calls
    .slice(from)
    .filter((x) => ["acceptSession", "claim", "closeWithVoucher", "closeSession"].includes(x.fn) && x.args[0] === id);

test("an Active session dropped as not-on-chain after its accept deadline is re-admitted active from the chain's record; its voucher is claimed", async () => {
  const r = rig({ confirmations: 0, lagToleranceSeconds: 86_400 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const x = chain.open({ wgPublicKey: keyHex(20), signer: signerA.address });
  await r.agent.tick();
  const acceptedAt = r.agent.session(x)!.acceptedAt;
  const told = r.agent.session(x)!.tunnelAddress; // what SessionAccepted told the client
  assert.equal(r.agent.session(x)?.status, "active");
  backend.traffic(keyB64(20), 1000n, 0n);
  await r.agent.reconcile();
  assert.equal(await sendVoucher(r, x, signerA, 5000n), 200);
  // One flaky `None` answer: dropped (no peer, nothing claimed).
  const record = chain.sessions.get(x)!;
  chain.sessions.delete(x);
  await r.agent.resync();
  assert.equal(r.agent.session(x)?.reason, "not-on-chain");
  assert.ok(!backend.peers.has(keyB64(20)));
  assert.equal(claimsOf(chain, x).length, 0);
  // The node answers again, long after the session's accept deadline.
  clock += 3600;
  assert.ok(r.agent.session(x)!.acceptDeadline < clock);
  chain.sessions.set(x, record);
  await r.agent.resync();
  const s = r.agent.session(x)!;
  assert.equal(s.status, "active", "re-admitted as the chain says, not expired");
  assert.equal(s.reason, null);
  assert.equal(s.acceptedAt, acceptedAt, "acceptedAt kept");
  assert.equal(s.voucherBytes, 5000n, "voucher kept");
  assert.equal(s.tunnelAddress, told, "the address its client was told");
  assert.ok(backend.peers.has(keyB64(20)), "peer provisioned again");
  assert.equal(chain.calls.filter((c) => c.fn === "acceptSession").length, 1, "not accepted again");
  await r.agent.tick();
  assert.deepEqual(
    claimsOf(chain, x).map((c) => c.args[1]),
    [5000n],
    "its voucher is claimed",
  );
});

test("reorg re-verification re-admits a not-on-chain session the chain still holds with the same terms", async () => {
  const r = rig({ confirmations: 1 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const x = chain.open({ wgPublicKey: keyHex(21), signer: signerA.address });
  mine(chain, 1);
  await r.agent.tick();
  assert.equal(r.agent.session(x)?.status, "active");
  const record = chain.sessions.get(x)!;
  chain.sessions.delete(x);
  await r.agent.resync();
  assert.equal(r.agent.session(x)?.reason, "not-on-chain");
  chain.sessions.set(x, record);
  // A reorganisation that does not touch X, detected before the next resync.
  const snap = chain.snapshot();
  mine(chain, 3);
  await r.agent.tick();
  chain.revert(snap);
  mine(chain, 6);
  await r.agent.tick();
  assert.equal(r.agent.metrics.get("dvpn_agent_reorgs_total"), 1);
  const s = r.agent.session(x)!;
  assert.equal(s.status, "active", "re-admitted, not relabelled reorged");
  assert.equal(s.reason, null);
  assert.ok(backend.peers.has(keyB64(21)));
});

test("while a re-verification is pending nothing is sent: no accept for a reused id, no claim, no close", async () => {
  const r = rig({ confirmations: 1 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const signerB = privateKeyToAccount(generatePrivateKey());
  const snap = chain.snapshot();
  chain.nextClient = CLIENT_A;
  const x = chain.open({ wgPublicKey: keyHex(22), signer: signerA.address });
  mine(chain, 1);
  const accept = chain.acceptSession.bind(chain);
  chain.acceptSession = async () => {
    throw new Error("replacement transaction underpriced");
  };
  await r.agent.tick();
  mine(chain, 3);
  await r.agent.tick();
  assert.equal(r.agent.session(x)?.status, "accepting");
  assert.ok(backend.peers.has(keyB64(22)));
  // Another branch gives X's id to client B; the node cannot answer getSession for now.
  chain.revert(snap);
  chain.nextClient = CLIENT_B;
  assert.equal(chain.open({ wgPublicKey: keyHex(23), signer: signerB.address }), x);
  mine(chain, 6);
  chain.acceptSession = accept;
  let down = true;
  watchReads(chain, () => down);
  await assert.rejects(r.agent.tick());
  assert.equal(r.agent.store.getMeta("reverifyPending"), "1");
  const before = chain.calls.length;
  await r.agent.resync(); // resync + reconcile + actions
  await r.agent.reconcile();
  assert.deepEqual(writesFor(chain, x, before), [], "nothing sent while re-verification is pending");
  assert.equal(chain.sessions.get(x)?.status, "Pending", "B's session not accepted with A's peer");
  down = false;
  await r.agent.tick();
  assert.equal(r.agent.store.getMeta("reverifyPending"), "0");
  assert.equal(r.agent.session(x)?.client.toLowerCase(), CLIENT_B.toLowerCase());
  assert.ok(backend.peers.has(keyB64(23)) && !backend.peers.has(keyB64(22)));
  assert.equal(chain.sessions.get(x)?.status, "Active", "B's own session accepted once verified");
});

test("a not-on-chain session is read again only within its retry window, then left as reorged", async () => {
  const r = rig({ confirmations: 0 });
  const { chain } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const x = chain.open({ wgPublicKey: keyHex(24), signer: signerA.address });
  await r.agent.tick();
  chain.sessions.delete(x);
  await r.agent.resync();
  assert.equal(r.agent.session(x)?.reason, "not-on-chain");
  const reads = watchReads(chain);
  await r.agent.resync();
  assert.equal(reads.filter((id) => id === x).length, 1, "read again within the window");
  clock += NOT_ON_CHAIN_RETRY_SECONDS + 3600;
  await r.agent.resync();
  await r.agent.resync();
  assert.equal(reads.filter((id) => id === x).length, 1, "not read after the window");
  assert.equal(r.agent.session(x)?.status, "refused");
  assert.equal(r.agent.session(x)?.reason, "reorged");
});

test("reorg re-verification skips settled history and refusals, and does not re-read sessions already verified", async () => {
  const r = rig({ confirmations: 1 });
  const { chain } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const a = chain.open({ wgPublicKey: keyHex(25), signer: signerA.address });
  const b = chain.open({ wgPublicKey: keyHex(26), signer: signerA.address });
  const dup = chain.open({ wgPublicKey: keyHex(25), signer: signerA.address }); // duplicate key: refused
  mine(chain, 1);
  await r.agent.tick();
  assert.equal(r.agent.session(dup)?.reason, "rejected:duplicate-key");
  assert.equal(r.agent.session(a)?.status, "active");
  const snap = chain.snapshot();
  mine(chain, 3);
  await r.agent.tick();
  chain.revert(snap);
  mine(chain, 6);
  let failB = true;
  const reads = watchReads(chain, (id) => id === b && failB);
  await assert.rejects(r.agent.tick());
  failB = false;
  await r.agent.tick();
  assert.equal(r.agent.store.getMeta("reverifyPending"), "0");
  assert.equal(reads.filter((id) => id === dup).length, 0, "a refusal is not read");
  assert.equal(reads.filter((id) => id === a).length, 1, "a verified session is not read again");
  assert.equal(reads.filter((id) => id === b).length, 2, "the failed read is retried");
  assert.equal(r.agent.session(a)?.status, "active");
  assert.equal(r.agent.session(b)?.status, "active");
});

test("a cut session whose accept a reorg reverted is not closed again and again; it expires without a peer", async () => {
  const r = rig({ confirmations: 1 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const x = chain.open({ wgPublicKey: keyHex(27), signer: signerA.address });
  const snap = chain.snapshot(); // opened, not accepted
  mine(chain, 1);
  await r.agent.tick();
  mine(chain, 3);
  await r.agent.tick();
  assert.equal(chain.sessions.get(x)?.status, "Active");
  // The meter cut it (as for lagging vouchers); the reorg comes before its close is sent.
  const row = r.agent.store.get(x)!;
  row.cutReason = "vouchers-lagging";
  r.agent.store.put(row);
  chain.revert(snap);
  mine(chain, 6);
  const before = chain.calls.length;
  await r.agent.tick();
  await r.agent.tick();
  await r.agent.resync();
  assert.deepEqual(writesFor(chain, x, before), [], "no close, claim or accept for a Pending cut session");
  assert.equal(chain.sessions.get(x)?.status, "Pending");
  assert.equal(r.agent.session(x)?.status, "accepting");
  assert.ok(!backend.peers.has(keyB64(27)), "no peer");
  clock += 600; // past its accept deadline
  await r.agent.resync();
  assert.equal(r.agent.session(x)?.status, "expired");
  assert.deepEqual(writesFor(chain, x, before), []);
});

test("the same openSession mined again keeps its voucher; another session of the same signer under the reused id does not", async () => {
  const r = rig({ confirmations: 1 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const snap = chain.snapshot();
  chain.nextClient = CLIENT_A;
  const x = chain.open({ wgPublicKey: keyHex(28), signer: signerA.address });
  mine(chain, 1);
  await r.agent.tick();
  backend.traffic(keyB64(28), 1000n, 0n);
  await r.agent.reconcile();
  assert.equal(await sendVoucher(r, x, signerA, 5000n), 200);
  assert.equal(r.agent.session(x)?.voucherBytes, 5000n);
  // The new branch: the same signer opens another session (another key and deposit) that gets X's id.
  chain.revert(snap);
  chain.nextClient = CLIENT_A;
  assert.equal(chain.open({ wgPublicKey: keyHex(29), signer: signerA.address, deposit: 7_000_000n }), x);
  mine(chain, 6);
  const before = chain.calls.length;
  await r.agent.tick();
  await r.agent.tick();
  const s = r.agent.session(x)!;
  assert.equal(s.wgKey, keyB64(29));
  assert.equal(s.voucherSig, null, "the old session's voucher is not carried to another session");
  assert.equal(s.voucherBytes, 0n);
  assert.deepEqual(claimsOf(chain, x, before), []);
});

test("the same openSession mined again in a later block (another accept deadline) is the same session: not dropped, peer and address kept", async () => {
  const r = rig({ confirmations: 1 });
  const { chain, backend } = r;
  await r.agent.start();
  const signerA = privateKeyToAccount(generatePrivateKey());
  const snap = chain.snapshot();
  chain.nextClient = CLIENT_A;
  const x = chain.open({ wgPublicKey: keyHex(30), signer: signerA.address });
  mine(chain, 1);
  await r.agent.tick();
  mine(chain, 3);
  await r.agent.tick();
  const addr = r.agent.session(x)!.tunnelAddress;
  assert.equal(r.agent.session(x)?.status, "active");
  chain.revert(snap);
  mine(chain, 2);
  chain.nextClient = CLIENT_A;
  assert.equal(chain.open({ wgPublicKey: keyHex(30), signer: signerA.address, acceptDeadline: clock + 400 }), x);
  mine(chain, 6);
  const setCallsBefore = backend.setCalls.length;
  await r.agent.tick();
  await r.agent.tick();
  const s = r.agent.session(x)!;
  assert.equal(s.status, "active");
  assert.equal(s.acceptDeadline, clock + 400, "takes the new accept deadline");
  assert.equal(s.tunnelAddress, addr, "same address");
  assert.ok(
    !removed({ ...backend, setCalls: backend.setCalls.slice(setCallsBefore) }, keyB64(30)),
    "peer never removed",
  );
  assert.equal(r.agent.metrics.get("dvpn_agent_sessions_dropped_total", { reason: "reorged" }) ?? 0, 0);
  assert.equal(chain.sessions.get(x)?.status, "Active", "accepted again");
});
