/**
 * The gateway agent under faults and abuse, in-process on the mock WireGuard data plane (which
 * records every `wg set` argument array) and a real `hardhat node` behind the fault proxy:
 * - with drops, delays, 429s, 5xx and truncated answers between it and the chain, it accepts
 *   sessions and claims every session's best voucher exactly once: each (session, totals) pair
 *   is paid by at most one UsageClaimed, and the provider receives exactly what the last
 *   vouchers are worth, minus fees;
 * - malformed, oversized, replayed and forged vouchers and wg-argument injection attempts are
 *   refused with 4xx: nothing is provisioned or paid, and the agent stays healthy;
 * - reorgs before and beyond its confirmation depth (evm_snapshot/evm_revert, then another
 *   branch mined), at the head and in the middle of a backfill: a reverted session keeps no peer
 *   and is never paid on the canonical chain, the new branch's sessions are served, nothing is
 *   paid twice.
 * Run by `npm run chaos` (DVPN_CHAOS_MODE=short|full); not part of the everyday glob on its own.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import { decodeEventLog, http, parseEventLogs, toHex, type Address, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createGatewayAgent, type GatewayAgent } from "../../gateway-agent/src/agent.ts";
import { createSdkChain } from "../../gateway-agent/src/chain/sdkChain.ts";
import type { AgentChain } from "../../gateway-agent/src/chain/types.ts";
import { buildSetArgs } from "../../gateway-agent/src/wireguard/args.ts";
import { createMockBackend, type MockBackend } from "../../gateway-agent/src/wireguard/mock.ts";
import { countPayments, type ClaimEvent } from "../kit/payments.ts";
import { DVPN, startTestChain, USD, waitFor, type TestChain } from "../kit/testChain.ts";
import { mockStablecoinAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { readVoucherTerms, signUsageVoucher } from "../../sdk/src/vouchers/usage.ts";
import { createPrng } from "./prng.ts";
import { PRICE_PER_GIB, PRICE_PER_MINUTE, registerChaosProvider } from "./provider.ts";
import { count, record } from "./report.ts";
import { createRpcProxy, type RpcProxy } from "./rpcProxy.ts";

const SEED = Number(process.env.DVPN_CHAOS_SEED ?? 20261124);
const ZERO = "0x0000000000000000000000000000000000000000" as Address;

function post(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", timeout: 10_000, headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.end(body);
  });
}

function get(url: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    request(url, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    })
      .on("error", reject)
      .end();
  });
}

describe("chaos: gateway agent", () => {
  let chain: TestChain;
  let proxy: RpcProxy;
  let agent: GatewayAgent;
  let backend: MockBackend;
  let provider: LocalAccount;
  const providerKey = generatePrivateKey();
  const dir = mkdtempSync(join(tmpdir(), "dvpn-chaos-agent-"));
  const rng = createPrng(SEED);
  const escrow = () => chain.deployment.contracts.SessionEscrow.address;

  /** A client session: opened from an unlocked account with its own ephemeral voucher signer. */
  async function openSession(client: Address, wgKey: Hex, deposit = USD(5), to: Address = provider.address) {
    const signer = privateKeyToAccount(generatePrivateKey());
    const r = await chain.send(client, escrow(), sessionEscrowAbi, "openSession", [
      to,
      wgKey,
      signer.address,
      deposit,
      2n ** 96n - 1n,
      2n ** 96n - 1n,
    ]);
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: r.hash });
    const opened = parseEventLogs({ abi: sessionEscrowAbi, logs: receipt.logs, eventName: "SessionOpened" })[0];
    return { id: opened!.args.sessionId, signer, wgKey, deposit };
  }

  async function onChain(id: bigint) {
    return chain.publicClient.readContract({
      address: escrow(),
      abi: sessionEscrowAbi,
      functionName: "getSession",
      args: [id],
    });
  }

  async function voucherBody(
    id: bigint,
    bytes: bigint,
    seconds: bigint,
    signer: LocalAccount,
    domain = { chainId: chain.deployment.chainId, escrow: escrow() },
  ) {
    const terms = await readVoucherTerms(chain.publicClient, escrow(), id);
    const signature = await signUsageVoucher({
      account: signer,
      domain,
      voucher: { sessionId: id, terms, bytes, seconds },
    });
    return JSON.stringify({
      sessionId: id.toString(),
      bytes: bytes.toString(),
      seconds: seconds.toString(),
      signature,
    });
  }

  /** Every UsageClaimed of the escrow, decoded. */
  async function claims() {
    const logs = await chain.publicClient.getLogs({ address: escrow(), fromBlock: 0n, toBlock: "latest" });
    const out: ClaimEvent[] = [];
    for (const log of logs) {
      try {
        const ev = decodeEventLog({ abi: sessionEscrowAbi, data: log.data, topics: log.topics });
        if (ev.eventName === "UsageClaimed") out.push(ev.args as never);
      } catch {
        // not an escrow event we decode
      }
    }
    return out;
  }

  /** Registers a fresh provider key in the registry (funded, staked, 64 slots, a random WireGuard key). */
  const registerProvider = (key: Hex): Promise<LocalAccount> =>
    registerChaosProvider(chain, {
      key,
      endpoint: "127.0.0.1:51820",
      wgKey: toHex(Buffer.from(generatePrivateKey().slice(2), "hex")),
      maxSessions: 64,
    });

  /** An in-process agent for `key` on the mock data plane, reaching the chain through the proxy. */
  function makeAgent(key: Hex, dataDir: string, wg: MockBackend, confirmations: number): GatewayAgent {
    return createGatewayAgent(
      {
        rpcUrl: proxy.url,
        deployment: chain.deployment,
        privateKey: key,
        dataDir,
        ipv4Pool: "10.66.0.0/24",
        voucherListen: "127.0.0.1:0",
        metricsListen: "127.0.0.1:0",
        confirmations,
        pollIntervalMs: 200,
        reconcileIntervalMs: 300,
        resyncIntervalMs: 1000,
        claimEveryAmount: "1",
        claimIntervalSeconds: 1,
        idleTimeoutSeconds: 0,
        heartbeat: false,
        logLevel: "silent",
      } as never,
      { backend: wg, logger: pino({ level: process.env.DVPN_CHAOS_LOG ?? "silent" }) },
    );
  }

  const others: GatewayAgent[] = [];

  before(async () => {
    chain = await startTestChain({ fund: 8 });
    provider = await registerProvider(providerKey);
    proxy = await createRpcProxy({ target: chain.url, seed: SEED, policy: {} });
    backend = createMockBackend("chaos0");
    agent = makeAgent(providerKey, dir, backend, 0);
    await agent.start();
  });

  after(async () => {
    for (const a of others) await a.stop().catch(() => {});
    await agent?.stop().catch(() => {});
    await proxy?.close();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("accepts and claims every voucher exactly once through a faulty RPC", async () => {
    proxy.setPolicy({
      drop: 0.08,
      rateLimit: 0.05,
      retryAfterSeconds: 0,
      serverError: 0.08,
      truncate: 0.08,
      delay: 0.1,
      delayMs: [10, 300],
    });
    const n = count(3, 8);
    const rounds = count(3, 6);
    const sessions = [];
    for (let i = 0; i < n; i++) {
      const key = toHex(Buffer.from(generatePrivateKey().slice(2), "hex"));
      sessions.push(await openSession(chain.accounts[2 + (i % 5)]!, key));
    }
    for (const s of sessions) {
      await waitFor(`session ${s.id} accepted`, async () => (await onChain(s.id)).status === 2, 120_000);
    }
    const vouchers = new Map<bigint, { bytes: bigint; seconds: bigint }>();
    let sent = 0;
    for (let round = 1; round <= rounds; round++) {
      for (const s of sessions) {
        const bytes = BigInt(round) * BigInt(rng.between(1, 200)) * 1_000_000n;
        const seconds = BigInt(round * 60);
        const prev = vouchers.get(s.id) ?? { bytes: 0n, seconds: 0n };
        const v = { bytes: prev.bytes + bytes, seconds: prev.seconds + seconds };
        // The client signs ahead of the traffic it is about to send, as a client does that never
        // wants to be cut for lagging the meter.
        const r = await post(
          `${agent.urls().vouchers}/v1/vouchers`,
          await voucherBody(s.id, v.bytes, v.seconds, s.signer),
        );
        assert.equal(r.status, 200, `voucher refused: ${r.text}`);
        backend.traffic(Buffer.from(s.wgKey.slice(2), "hex").toString("base64"), v.bytes - prev.bytes, 0n);
        await agent.reconcile();
        vouchers.set(s.id, v);
        sent++;
      }
    }
    // Counted, recorded, then asserted: a session whose last voucher was never claimed in full is
    // lost money; a claim event repeated or above the voucher is a double payment; an agent no
    // longer healthy after the faults crashed.
    const unclaimed: string[] = [];
    for (const s of sessions) {
      const want = vouchers.get(s.id)!;
      await waitFor(
        `session ${s.id} claimed up to its last voucher`,
        async () => {
          const info = await onChain(s.id);
          return info.claimedBytes === want.bytes && info.claimedSeconds === want.seconds;
        },
        180_000,
      ).catch((err: Error) => void unclaimed.push(err.message));
    }
    proxy.setPolicy({});
    const all = await claims();
    // Each voucher paid once, and each session exactly its last voucher; its fee rounded once, on its total.
    const {
      doublePayments,
      wrongPaid,
      netOfModel: expectedNet,
    } = countPayments(
      all,
      sessions.map((s) => ({
        id: s.id,
        terms: { pricePerGiB: PRICE_PER_GIB, pricePerMinute: PRICE_PER_MINUTE, deposit: s.deposit },
        last: vouchers.get(s.id)!,
      })),
      250,
    );
    const balance = await chain.publicClient.readContract({
      address: chain.deployment.contracts.PaymentToken.address,
      abi: mockStablecoinAbi,
      functionName: "balanceOf",
      args: [provider.address],
    });
    const health = await get(`${agent.urls().metrics}/healthz`);
    record({
      category: "agent: RPC faults (drop, delay, 429, 5xx, truncation)",
      faultsInjected: proxy.faultsInjected(),
      recoveries: sessions.length - unclaimed.length,
      dataLost: unclaimed.length,
      doublePayments,
      crashes: health.status === 200 ? 0 : 1,
      details: {
        sessions: sessions.length,
        vouchersSent: sent,
        claimEvents: all.length,
        counters: { ...proxy.counters },
      },
    });
    assert.deepEqual(unclaimed, [], "vouchers signed but not claimed");
    assert.equal(doublePayments, 0, "a voucher was paid twice or above its value");
    assert.deepEqual(wrongPaid, [], "sessions not paid exactly their last voucher");
    assert.equal(balance, expectedNet, "the provider received exactly the claims, once");
    assert.equal(health.status, 200, `agent unhealthy after the faults: ${health.text}`);
    assert.ok(proxy.faultsInjected() > 0);
  });

  it("refuses malformed, oversized, replayed and forged vouchers and wg-argument injection", async () => {
    proxy.setPolicy({});
    const url = `${agent.urls().vouchers}/v1/vouchers`;
    const legitKey = toHex(Buffer.from(generatePrivateKey().slice(2), "hex"));
    const s = await openSession(chain.accounts[7]!, legitKey);
    await waitFor(`session ${s.id} accepted`, async () => (await onChain(s.id)).status === 2, 60_000);
    backend.traffic(Buffer.from(legitKey.slice(2), "hex").toString("base64"), 10_000_000n, 0n);
    await agent.reconcile();
    const good = await voucherBody(s.id, 5_000_000n, 60n, s.signer);
    assert.equal((await post(url, good)).status, 200);

    // A session whose WireGuard key bytes spell an injection attempt: it reaches wg only as base64.
    const injectKey = toHex(Buffer.from("peer AA= remove\n--allowed-ips 0/", "latin1").subarray(0, 32));
    const injected = await openSession(chain.accounts[6]!, injectKey);

    const peersBefore = new Set(backend.peers.keys());
    const stranger = privateKeyToAccount(generatePrivateKey());
    const sig65 = `0x${"11".repeat(65)}`;
    const body = (o: Record<string, unknown>) =>
      JSON.stringify({ sessionId: s.id.toString(), bytes: "6000000", seconds: "70", signature: sig65, ...o });
    const hostile: [string, string | Buffer, Record<string, string>?][] = [
      ["not JSON", "{ sessionId: 1"],
      ["empty", ""],
      ["array", "[]"],
      ["null", "null"],
      ["oversized (5 KiB)", body({ pad: "x".repeat(5000) })],
      ["oversized (1 MiB)", Buffer.alloc(1 << 20, 0x20)],
      ["extra field", body({ extra: 1 })],
      ["sessionId with peer", body({ sessionId: `${s.id} peer AAAA remove` })],
      ["sessionId with newline", body({ sessionId: `${s.id}\nallowed-ips 0.0.0.0/0` })],
      ["sessionId as option", body({ sessionId: "--help" })],
      ["sessionId zero", body({ sessionId: "0" })],
      ["sessionId unknown", body({ sessionId: "999999" })],
      ["sessionId 2^256", body({ sessionId: (1n << 256n).toString() })],
      ["sessionId number", JSON.stringify({ sessionId: Number(s.id), bytes: "1", seconds: "1", signature: sig65 })],
      ["bytes negative", body({ bytes: "-1" })],
      ["bytes 2^64", body({ bytes: (1n << 64n).toString() })],
      ["bytes exponent", body({ bytes: "1e9" })],
      ["bytes with spaces", body({ bytes: " 6000000 " })],
      ["bytes unicode digits", body({ bytes: "６０００" })],
      ["bytes with --", body({ bytes: "--6000000" })],
      ["seconds hex", body({ seconds: "0x10" })],
      ["signature short", body({ signature: "0x1234" })],
      ["signature not hex", body({ signature: `0x${"zz".repeat(65)}` })],
      ["signature with newline", body({ signature: `0x${"11".repeat(32)}\npeer` })],
      ["signature garbage 65 bytes", body({})],
      ["forged by a stranger", await voucherBody(s.id, 9_000_000n, 90n, stranger)],
      ["replayed (same voucher again)", good],
      ["older voucher", await voucherBody(s.id, 4_000_000n, 50n, s.signer)],
      [
        "signed for another chain",
        await voucherBody(s.id, 9_000_000n, 90n, s.signer, { chainId: 1, escrow: escrow() }),
      ],
      [
        "signed for another escrow",
        await voucherBody(s.id, 9_000_000n, 90n, s.signer, {
          chainId: chain.deployment.chainId,
          escrow: ZERO.replace(/0$/, "1") as Address,
        }),
      ],
      ["another session's voucher", await voucherBody(injected.id, 9_000_000n, 90n, s.signer)],
      ["wrong content type", good, { "content-type": "text/plain" }],
    ];
    let refused = 0;
    for (const [name, payload, headers] of hostile) {
      let r: { status: number; text: string };
      try {
        r = await post(url, payload, headers);
      } catch (e) {
        // A connection the server closed on an oversized or lying body is a refusal too.
        r = { status: 0, text: (e as Error).message };
      }
      assert.ok(
        r.status === 0 || (r.status >= 400 && r.status < 500),
        `${name}: status ${r.status} ${r.text.slice(0, 200)}`,
      );
      refused++;
    }
    for (const path of [
      "/v1/sessions/..%2F..%2Fetc%2Fpasswd",
      `/v1/sessions/${s.id}%0Apeer`,
      "/v1/sessions/-1",
      "/v1/vouchers/../../x",
    ]) {
      const r = await get(`${agent.urls().vouchers}${path}`);
      assert.ok(r.status >= 400 && r.status < 500, `GET ${path}: ${r.status}`);
      refused++;
    }

    // Unit level: hostile keys and addresses never become `wg set` arguments.
    const hostileKeys = ["peer AAAA remove", "--help", `${"A".repeat(43)}=\n`, "AAAA AAAA", "", `${"A".repeat(42)}==`];
    for (const key of hostileKeys) {
      assert.throws(() =>
        buildSetArgs("chaos0", { upsert: [{ publicKey: key, allowedIps: ["10.66.0.9/32"] }], remove: [] }),
      );
      assert.throws(() => buildSetArgs("chaos0", { upsert: [], remove: [key] }));
      refused += 2;
    }
    const okKey = Buffer.alloc(32, 7).toString("base64");
    for (const cidr of ["0.0.0.0/0 peer x", "10.0.0.1/33", "--", "10.0.0.1/32\n", "::/129"]) {
      assert.throws(() => buildSetArgs("chaos0", { upsert: [{ publicKey: okKey, allowedIps: [cidr] }], remove: [] }));
      refused++;
    }
    for (const iface of ["-x", "wg0 peer", "a".repeat(16), "wg\n0"]) {
      assert.throws(() => buildSetArgs(iface, { upsert: [], remove: [] }));
      refused++;
    }

    // Nothing provisioned or paid by the abuse; the injected-key session reached wg as base64 only.
    await agent.tick();
    await agent.reconcile();
    const KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
    const CIDR = /^[0-9a-fA-F:.]+\/\d{1,3}(,[0-9a-fA-F:.]+\/\d{1,3})*$/;
    for (const call of backend.setCalls) {
      assert.equal(call[0], "set");
      assert.equal(call[1], "chaos0");
      for (let i = 2; i < call.length;) {
        assert.equal(call[i], "peer", `unexpected argument ${JSON.stringify(call[i])}`);
        assert.match(call[i + 1]!, KEY);
        if (call[i + 2] === "remove") i += 3;
        else {
          assert.equal(call[i + 2], "allowed-ips");
          assert.match(call[i + 3]!, CIDR);
          i += 4;
        }
      }
    }
    const newPeers = [...backend.peers.keys()].filter((k) => !peersBefore.has(k));
    const injectedB64 = Buffer.from(injectKey.slice(2), "hex").toString("base64");
    assert.ok(
      newPeers.every((k) => k === injectedB64),
      `unexpected peers ${newPeers.join(", ")}`,
    );
    // Counted, recorded, then asserted: a claim above the last valid voucher, the valid voucher
    // replaced or forgotten, an agent no longer healthy.
    const info = await onChain(s.id);
    const session = agent.session(s.id);
    const health = await get(`${agent.urls().metrics}/healthz`);
    const claimedAbove = info.claimedBytes > 5_000_000n ? 1 : 0;
    const voucherLost = (session?.voucherBytes ?? 5_000_000n) !== 5_000_000n ? 1 : 0;
    record({
      category: "agent: voucher API abuse and wg-argument injection",
      badInputsTried: refused,
      dataLost: voucherLost,
      doublePayments: claimedAbove,
      crashes: health.status === 200 ? 0 : 1,
      details: {
        httpInputs: hostile.length + 4,
        wgArgumentCases: refused - hostile.length - 4,
        setCallsChecked: backend.setCalls.length,
      },
    });
    assert.ok(info.claimedBytes <= 5_000_000n, "nothing above the last valid voucher was claimed");
    assert.equal(session?.voucherBytes ?? 5_000_000n, 5_000_000n, "the best voucher is still the valid one");
    assert.equal(health.status, 200, `agent unhealthy after the abuse: ${health.text}`);
  });

  it("neither provisions nor pays for a session a reorg reverted before its confirmations", async () => {
    proxy.setPolicy({});
    const key = generatePrivateKey();
    const p2 = await registerProvider(key);
    const wg = createMockBackend("chaos1");
    const dir2 = mkdtempSync(join(tmpdir(), "dvpn-chaos-agent2-"));
    const confirmations = 3;
    const a2 = makeAgent(key, dir2, wg, confirmations);
    others.push(a2);
    try {
      await a2.start();
      const rounds = count(2, 6);
      let reverted = 0;
      // Counted, recorded, then asserted: peers or records kept for reverted sessions, transactions
      // the provider sent for them (paying for what the chain no longer holds), a confirmed session
      // left unserved, an agent no longer healthy.
      const wrong: string[] = [];
      let providerTxsForReverted = 0;
      for (let r = 0; r < rounds; r++) {
        const nonce = await chain.publicClient.getTransactionCount({ address: p2.address });
        const snap = await chain.rpc<string>("evm_snapshot");
        const wgKey = toHex(Buffer.from(generatePrivateKey().slice(2), "hex"));
        const s = await openSession(chain.accounts[3 + (r % 4)]!, wgKey, USD(2), p2.address);
        // Fewer blocks on top than the agent's confirmation depth: it must wait.
        for (let b = 0; b < confirmations - 2; b++) await chain.mine();
        for (let pass = 0; pass < 3; pass++) await a2.tick();
        if (wg.peers.size !== 0) wrong.push(`round ${r}: provisioned before the confirmation depth`);
        assert.equal(await chain.rpc("evm_revert", [snap]), true);
        reverted++;
        // The canonical chain moves on past the depth without that session.
        for (let b = 0; b < confirmations + 2; b++) await chain.mine();
        for (let pass = 0; pass < 3; pass++) await a2.tick();
        await a2.reconcile();
        if (wg.peers.size !== 0) wrong.push(`round ${r}: provisioned a reverted session`);
        if (a2.session(s.id) !== undefined) wrong.push(`round ${r}: the agent keeps a reverted session`);
        providerTxsForReverted += (await chain.publicClient.getTransactionCount({ address: p2.address })) - nonce;
      }
      // Control: the same session left in place is provisioned and accepted once it is deep enough.
      const kept = await openSession(
        chain.accounts[3]!,
        toHex(Buffer.from(generatePrivateKey().slice(2), "hex")),
        USD(2),
        p2.address,
      );
      for (let b = 0; b < confirmations + 1; b++) await chain.mine();
      await waitFor(
        "the confirmed session accepted",
        async () => {
          await a2.tick();
          return (await onChain(kept.id)).status === 2;
        },
        60_000,
      );
      const unserved = wg.peers.size === 1 ? 0 : 1;
      const health = await get(`${a2.urls().metrics}/healthz`);
      record({
        category: "agent: reorg before the confirmation depth",
        faultsInjected: reverted,
        recoveries: reverted,
        dataLost: unserved,
        doublePayments: providerTxsForReverted,
        crashes: health.status === 200 ? 0 : 1,
        details: { reorgs: reverted, confirmations, wrong },
      });
      assert.deepEqual(wrong, [], "reverted sessions provisioned or kept");
      assert.equal(providerTxsForReverted, 0, "the provider sent a transaction for a reverted session");
      assert.equal(wg.peers.size, 1, "the confirmed session was provisioned");
      assert.equal(health.status, 200, `agent unhealthy after the reorgs: ${health.text}`);
    } finally {
      await a2.stop().catch(() => {});
      others.splice(others.indexOf(a2), 1);
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it("neither serves nor pays a session reverted by reorgs deeper than its depth, at the head and during a backfill", async () => {
    proxy.setPolicy({});
    const key = generatePrivateKey();
    const p3 = await registerProvider(key);
    const wg = createMockBackend("chaos2");
    const dir3 = mkdtempSync(join(tmpdir(), "dvpn-chaos-agent3-"));
    const confirmations = 2;
    // The real chain access, with a hook that can switch the chain to another branch right
    // after a range of events was read (the agent then holds events of a branch that lost).
    let afterRead: (() => Promise<void>) | undefined;
    // A flaky node: the next getSession of this session answers `None` once.
    let noneOnce: bigint | undefined;
    const sdk = createSdkChain({
      rpcUrl: chain.url,
      deployment: chain.deployment,
      account: privateKeyToAccount(key),
      pollingIntervalMs: 20,
      maxLogRange: 4n,
    });
    const hooked: AgentChain = {
      ...sdk,
      async escrowEvents(from, to) {
        const out = await sdk.escrowEvents(from, to);
        const hook = afterRead;
        afterRead = undefined;
        if (hook) await hook();
        return out;
      },
      async getSession(id) {
        const cs = await sdk.getSession(id);
        if (id !== noneOnce) return cs;
        noneOnce = undefined;
        return { ...cs, status: "None", client: ZERO, provider: ZERO, signer: ZERO, deposit: 0n };
      },
    };
    const start = () =>
      createGatewayAgent(
        {
          rpcUrl: chain.url,
          deployment: chain.deployment,
          privateKey: key,
          dataDir: dir3,
          ipv4Pool: "10.67.0.0/24",
          voucherListen: "127.0.0.1:0",
          metricsListen: "127.0.0.1:0", // its /healthz tells whether the agent still stands
          confirmations,
          maxLogRange: 4, // a backfill reads many small ranges
          pollIntervalMs: 100,
          reconcileIntervalMs: 300,
          resyncIntervalMs: 1000,
          claimEveryAmount: "1",
          claimIntervalSeconds: 1,
          idleTimeoutSeconds: 0,
          lagToleranceSeconds: "100000",
          heartbeat: false,
          logLevel: "silent",
        } as never,
        { backend: wg, chain: hooked, logger: pino({ level: process.env.DVPN_CHAOS_LOG ?? "silent" }) },
      );
    let a3 = start();
    others.push(a3);
    const b64 = (k: Hex) => Buffer.from(k.slice(2), "hex").toString("base64");
    const newKey = () => toHex(Buffer.from(generatePrivateKey().slice(2), "hex"));
    const everAdded = (k: string) => wg.setCalls.some((c) => c.some((a, i) => a === k && c[i + 2] === "allowed-ips"));
    const mine = async (n: number) => {
      for (let i = 0; i < n; i++) await chain.mine();
    };
    /** What the canonical chain paid this provider: (session, totals) → count, and the net received. */
    const paid = async () => {
      const all = (await claims()) as unknown as {
        sessionId: bigint;
        provider: Address;
        totalBytes: bigint;
        amount: bigint;
        fee: bigint;
      }[];
      return all.filter((c) => c.provider === p3.address);
    };
    const reverted: { id: bigint; key: string; bytes: bigint }[] = [];
    const served: { id: bigint; key: string; bytes: bigint }[] = [];
    let reorgs = 0;
    let reorgsSeen = 0;
    let client = 0;
    const nextClient = () => chain.accounts[3 + (client++ % 5)]!;
    try {
      await a3.start();
      const rounds = count(2, 10);
      for (let round = 0; round < rounds; round++) {
        // ── At the head: X is provisioned, accepted and paid, then the chain forks from before it.
        const snap = await chain.rpc<string>("evm_snapshot");
        const xKey = newKey();
        const x = await openSession(nextClient(), xKey, USD(2), p3.address);
        await mine(confirmations + 1);
        await waitFor(
          `X ${x.id} served and accepted`,
          async () => wg.peers.has(b64(xKey)) && (await onChain(x.id)).status === 2,
          60_000,
        );
        const xBytes = 10_000_000n + BigInt(round) * 1_000_000n + 123n;
        const r = await post(`${a3.urls().vouchers}/v1/vouchers`, await voucherBody(x.id, xBytes, 60n, x.signer));
        assert.equal(r.status, 200, r.text);
        wg.traffic(b64(xKey), xBytes, 0n);
        await waitFor(`X ${x.id} paid`, async () => (await onChain(x.id)).claimedBytes === xBytes, 60_000);
        await mine(confirmations + 2);
        await waitFor("the claim processed", async () => a3.session(x.id)?.claimedBytes === xBytes, 60_000);
        const before = await chain.latest();
        assert.equal(await chain.rpc("evm_revert", [snap]), true);
        reorgs++;
        reverted.push({ id: x.id, key: b64(xKey), bytes: xBytes });
        // The new branch: another client's session, most likely under X's id; longer than the old one.
        const yKey = newKey();
        const y = await openSession(nextClient(), yKey, USD(3), p3.address);
        while ((await chain.latest()).number <= before.number + 1) await chain.mine();
        await waitFor(
          `X ${x.id} dropped and Y ${y.id} served and accepted`,
          async () => !wg.peers.has(b64(xKey)) && wg.peers.has(b64(yKey)) && (await onChain(y.id)).status === 2,
          60_000,
        );
        const yBytes = 20_000_000n + BigInt(round) * 1_000_000n + 7n;
        const ry = await post(`${a3.urls().vouchers}/v1/vouchers`, await voucherBody(y.id, yBytes, 60n, y.signer));
        assert.equal(ry.status, 200, ry.text);
        wg.traffic(b64(yKey), yBytes, 0n);
        await waitFor(`Y ${y.id} paid`, async () => (await onChain(y.id)).claimedBytes === yBytes, 60_000);
        served.push({ id: y.id, key: b64(yKey), bytes: yBytes });

        // ── During a backfill: the agent is down; P is opened; it restarts behind, and after its
        // first ranges (P read and stored) the chain forks from before P to a branch with Q.
        // Caught up before it stops, so its first backfill range holds P.
        await waitFor(
          "the agent caught up",
          async () =>
            BigInt(a3.store.getMeta("checkpoint") ?? "0") >= BigInt((await chain.latest()).number - confirmations),
          60_000,
        );
        reorgsSeen += a3.metrics.get("dvpn_agent_reorgs_total");
        await a3.stop();
        others.splice(others.indexOf(a3), 1);
        const snap2 = await chain.rpc<string>("evm_snapshot");
        const pKey = newKey();
        const pSession = await openSession(nextClient(), pKey, USD(2), p3.address);
        await mine(10);
        const qKey = newKey();
        let q: Awaited<ReturnType<typeof openSession>> | undefined;
        let reads = 0;
        const hook = async () => {
          assert.equal(await chain.rpc("evm_revert", [snap2]), true);
          q = await openSession(nextClient(), qKey, USD(3), p3.address);
          await mine(16);
        };
        // Two range reads, then the fork (installed again until the second read happened).
        afterRead = async () => {
          reads++;
          afterRead = hook;
        };
        a3 = start();
        others.push(a3);
        await a3.start();
        await waitFor(
          "the fork happened during the backfill",
          async () => reads > 0 && q !== undefined && afterRead === undefined,
          60_000,
        );
        reorgs++;
        reverted.push({ id: pSession.id, key: b64(pKey), bytes: 0n });
        await waitFor(
          `Q ${q!.id} served and accepted after the backfill`,
          async () => wg.peers.has(b64(qKey)) && (await onChain(q!.id)).status === 2,
          60_000,
        );
        assert.ok(!everAdded(b64(pKey)), "a session reverted during the backfill was provisioned");
        served.push({ id: q!.id, key: b64(qKey), bytes: 0n });
      }
      // ── A flaky node answers `None` once for an accepted session: dropped as not-on-chain, then
      // re-admitted from the chain's record (still active, accepted when it was), and paid.
      const zKey = newKey();
      const z = await openSession(nextClient(), zKey, USD(2), p3.address);
      await mine(confirmations + 1);
      await waitFor(
        `Z ${z.id} served and accepted`,
        async () => a3.session(z.id)?.status === "active" && (await onChain(z.id)).status === 2,
        60_000,
      );
      const zAcceptedAt = a3.session(z.id)!.acceptedAt;
      const droppedBefore = a3.metrics.get("dvpn_agent_sessions_dropped_total", { reason: "not-on-chain" }) ?? 0;
      noneOnce = z.id;
      await waitFor(
        `Z ${z.id} dropped on the flaky answer`,
        async () =>
          (a3.metrics.get("dvpn_agent_sessions_dropped_total", { reason: "not-on-chain" }) ?? 0) > droppedBefore,
        60_000,
      );
      await waitFor(
        `Z ${z.id} re-admitted`,
        async () => a3.session(z.id)?.status === "active" && wg.peers.has(b64(zKey)),
        60_000,
      );
      assert.equal(a3.session(z.id)?.acceptedAt, zAcceptedAt, "re-admitted as it was, not as a new session");
      const zBytes = 30_000_000n + 11n;
      const rz = await post(`${a3.urls().vouchers}/v1/vouchers`, await voucherBody(z.id, zBytes, 60n, z.signer));
      assert.equal(rz.status, 200, rz.text);
      wg.traffic(b64(zKey), zBytes, 0n);
      await waitFor(`Z ${z.id} paid`, async () => (await onChain(z.id)).claimedBytes === zBytes, 60_000);
      served.push({ id: z.id, key: b64(zKey), bytes: zBytes });

      await a3.tick();
      await a3.reconcile();
      reorgsSeen += a3.metrics.get("dvpn_agent_reorgs_total");

      // No peer for any reverted session; every session of the canonical chain is served.
      const removedBySet = (k: string) => wg.setCalls.some((c) => c.some((a, i) => a === k && c[i + 1] === "remove"));
      // Counted, recorded, then asserted: reverted sessions still served, canonical sessions not
      // served or not paid (lost), vouchers paid twice or paid for reverted sessions (double).
      const wrong: string[] = [];
      for (const x of reverted) {
        if (wg.peers.has(x.key)) wrong.push(`peer left for reverted session ${x.id}`);
        // Served before the fork (head case): its peer went with `wg set … peer K remove`.
        if (x.bytes > 0n && !removedBySet(x.key)) wrong.push(`no wg set … remove for reverted session ${x.id}`);
      }
      let dataLost = 0;
      for (const y of served) {
        if (!wg.peers.has(y.key) || (await onChain(y.id)).status !== 2) {
          dataLost++;
          wrong.push(`session ${y.id} of the canonical chain not served`);
        }
      }
      // The canonical chain pays each served voucher once and no reverted one.
      const pays = await paid();
      const seen = new Set<string>();
      let doublePayments = 0;
      for (const c of pays) {
        const k = `${c.sessionId}:${c.totalBytes}`;
        if (seen.has(k)) doublePayments++;
        seen.add(k);
        if (reverted.some((x) => x.bytes > 0n && x.bytes === c.totalBytes)) {
          doublePayments++;
          wrong.push(`a reverted session's voucher was paid on the canonical chain (${k})`);
        }
      }
      for (const y of served.filter((v) => v.bytes > 0n)) {
        const times = pays.filter((c) => c.sessionId === y.id && c.totalBytes === y.bytes).length;
        if (times === 0) dataLost++; // signed, never claimed; paid twice is counted above
        if (times !== 1) wrong.push(`session ${y.id} paid ${times} times`);
      }
      const health = await get(`${a3.urls().metrics}/healthz`);
      const balance = await chain.publicClient.readContract({
        address: chain.deployment.contracts.PaymentToken.address,
        abi: mockStablecoinAbi,
        functionName: "balanceOf",
        args: [p3.address],
      });
      record({
        category: "agent: deep reorgs",
        faultsInjected: reorgs,
        recoveries: served.length,
        dataLost,
        doublePayments,
        crashes: health.status === 200 ? 0 : 1,
        details: {
          rounds,
          confirmations,
          reorgsDetected: reorgsSeen,
          revertedSessions: reverted.length,
          servedSessions: served.length,
          claims: pays.length,
          reusedIds: served.filter((y) => reverted.some((x) => x.id === y.id)).length,
        },
      });
      assert.deepEqual(wrong, [], "reverted sessions served or paid, canonical ones not");
      assert.equal(doublePayments, 0, "a voucher was paid twice");
      assert.equal(dataLost, 0, "canonical sessions not served or not paid");
      assert.equal(
        balance,
        pays.reduce((sum, c) => sum + c.amount - c.fee, 0n),
        "the provider received each claim once",
      );
      assert.equal(health.status, 200, `agent unhealthy after the reorgs: ${health.text}`);
      assert.ok(reorgsSeen >= reorgs, `the agent saw ${reorgsSeen} of ${reorgs} reorgs`);
    } finally {
      afterRead = undefined;
      await a3.stop().catch(() => {});
      if (others.includes(a3)) others.splice(others.indexOf(a3), 1);
      rmSync(dir3, { recursive: true, force: true });
    }
  });
});
