/**
 * Hostile input against the contracts on Hardhat's in-process network: voucher replay across
 * sessions, escrow deployments and chains; re-entrancy through a malicious payment token and
 * re-entering recipients; the cost of griefing a provider; and a seeded random sequence of
 * session operations checked against a model after every step (no deposit lost, nothing paid
 * twice). Counts grow with DVPN_CHAOS_MODE=full.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
  encodeFunctionData,
  getContract,
  parseAbi,
  toFunctionSelector,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { deployProtocol } from "../kit/deployment.ts";
import { dvpnTokenAbi, mockStablecoinAbi, providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { claimFee, priceUsage, protocolFee } from "../../sdk/src/vouchers/usage.ts";
import { eventsOf, loadFixture, type Fixture, type Wallet } from "../contracts/fixture.ts";
import {
  CLIENT_WG_KEY,
  DVPN,
  MAX_UINT96,
  USD,
  activeSession,
  openSession,
  region,
  registerProvider,
  revertOf,
  signVoucher,
} from "../contracts/helpers.ts";
import { reconcile, refusals, refused } from "./ledger.ts";
import { createPrng } from "./prng.ts";
import { count, record } from "./report.ts";

const GIB = 1n << 30n;
const GUARD = toFunctionSelector("ReentrancyGuardReentrantCall()");

function artifact(path: string): { abi: Abi; bytecode: Hex } {
  return JSON.parse(readFileSync(join(import.meta.dirname, "../../artifacts/contracts", path), "utf8")) as {
    abi: Abi;
    bytecode: Hex;
  };
}
const hookToken = artifact("test/MaliciousHookToken.sol/MaliciousHookToken.json");
const receiver = artifact("test/MaliciousReceiver.sol/MaliciousReceiver.json");
const hookTokenAbi = parseAbi([
  "function arm(address target, bytes data)",
  "function attempts() view returns (uint256)",
  "function successes() view returns (uint256)",
  "function lastRevert() view returns (bytes)",
  "function mint(address to, uint256 amount)",
  "function balanceOf(address account) view returns (uint256)",
]);
const receiverAbi = parseAbi([
  "function arm(address target, bytes data)",
  "function attempts() view returns (uint256)",
  "function successes() view returns (uint256)",
  "function lastRevert() view returns (bytes)",
  "function exec(address to, bytes payload) returns (bytes)",
  "error MaliciousReceiverCallFailed(bytes revertData)",
]);

async function deployContract(f: Fixture, a: { abi: Abi; bytecode: Hex }): Promise<Address> {
  const hash = await f.deployer.deployContract({ abi: a.abi, bytecode: a.bytecode, args: [] });
  const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success");
  return receipt.contractAddress!;
}

/** A second protocol deployment on the same chain, with `provider` registered on it. */
async function deployAnother(f: Fixture, provider: Wallet, options: { paymentToken?: Address; treasury?: Address }) {
  const d = await deployProtocol({ publicClient: f.publicClient, walletClient: f.deployer, ...options });
  const client = { public: f.publicClient, wallet: f.deployer };
  const token = getContract({ address: d.contracts.DVPNToken.address, abi: dvpnTokenAbi, client });
  const registry = d.contracts.ProviderRegistry.address;
  const escrow = d.contracts.SessionEscrow.address;
  await f.mined(token.write.transfer([provider.account.address, DVPN(10_000)]));
  await f.mined(
    provider.writeContract({
      address: token.address,
      abi: dvpnTokenAbi,
      functionName: "approve",
      args: [registry, DVPN(10_000)],
    }),
  );
  await f.mined(
    provider.writeContract({
      address: registry,
      abi: providerRegistryAbi,
      functionName: "register",
      args: ["vpn.example.org:51820", `0x${"11".repeat(32)}`, region("DE"), USD("0.5"), USD("0.01"), 10, DVPN(10_000)],
    }),
  );
  return { deployment: d, registry, escrow };
}

describe("chaos: contract hostile input", () => {
  let f: Fixture;
  let provider: Wallet;
  let client: Wallet;
  let signer: LocalAccount;

  before(async () => {
    f = await loadFixture();
    provider = f.users[0]!;
    client = f.users[1]!;
    signer = privateKeyToAccount(generatePrivateKey());
  });

  it("rejects vouchers replayed across sessions, escrow deployments and chains", async () => {
    f = await loadFixture();
    await registerProvider(f, provider);
    const s1 = await activeSession(f, client, provider, { signer: signer.address });
    const s2 = await activeSession(f, client, provider, { signer: signer.address });
    const asProvider = f.as(provider).escrow;
    const tally = refusals();
    const signedA = new Map<bigint, { bytes: bigint; seconds: bigint }>();
    let tried = 0;

    // Across sessions: a voucher for s1 is worth nothing in s2 (same signer, same client).
    const v1 = await signVoucher(f, signer, s1, GIB, 60n);
    signedA.set(s1, { bytes: GIB, seconds: 60n });
    await f.mined(asProvider.write.claim([s1, GIB, 60n, v1]));
    tried++;
    await refused(tally, asProvider.write.claim([s2, GIB, 60n, v1]), "EscrowInvalidSignature", [s2]);
    // The same voucher twice in its own session.
    tried++;
    await refused(tally, asProvider.write.claim([s1, GIB, 60n, v1]), "EscrowStaleVoucher", [s1, GIB, 60n, GIB, 60n]);

    // Across escrow deployments: session ids coincide, the verifying contract does not.
    const other = await deployAnother(f, provider, {});
    const otherUsd = getContract({
      address: other.deployment.contracts.PaymentToken.address,
      abi: mockStablecoinAbi,
      client: { public: f.publicClient, wallet: client },
    });
    await f.mined(otherUsd.write.mint([client.account.address, USD(100)]));
    await f.mined(otherUsd.write.approve([other.escrow, USD(100)]));
    const escrowB = (w: Wallet) =>
      getContract({ address: other.escrow, abi: sessionEscrowAbi, client: { public: f.publicClient, wallet: w } });
    await f.mined(
      escrowB(client).write.openSession([
        provider.account.address,
        CLIENT_WG_KEY,
        signer.address,
        USD(10),
        MAX_UINT96,
        MAX_UINT96,
      ]),
    );
    const idB = await f.publicClient.readContract({
      address: other.escrow,
      abi: sessionEscrowAbi,
      functionName: "sessionCount",
    });
    assert.equal(idB, s1, "the two escrows should share a session id for this test");
    await f.mined(escrowB(provider).write.acceptSession([idB, "10.64.0.2/32"]));
    const domainB = { chainId: f.deployment.chainId, escrow: other.escrow };
    const vB = await signVoucher(f, signer, idB, 2n * GIB, 120n, domainB);
    const signedB = new Map([[idB, { bytes: 2n * GIB, seconds: 120n }]]);
    await f.mined(escrowB(provider).write.claim([idB, 2n * GIB, 120n, vB])); // valid where it was signed
    tried++;
    await refused(tally, asProvider.write.claim([s1, 2n * GIB, 120n, vB]), "EscrowInvalidSignature", [s1]);
    const vA = await signVoucher(f, signer, s1, 3n * GIB, 180n);
    signedA.set(s1, { bytes: 3n * GIB, seconds: 180n });
    tried++;
    await refused(tally, escrowB(provider).write.claim([idB, 3n * GIB, 180n, vA]), "EscrowInvalidSignature", [idB]);

    // Across chains: signed for other chain ids with this escrow's address.
    for (const chainId of [1, 10, 8453, f.deployment.chainId + 1]) {
      const v = await signVoucher(f, signer, s2, GIB, 60n, { chainId, escrow: f.escrow.address });
      tried++;
      await refused(tally, asProvider.write.claim([s2, GIB, 60n, v]), "EscrowInvalidSignature", [s2]);
    }
    // Signed by the client's wallet instead of the session signer, and by the provider itself.
    for (const wrong of [client, provider]) {
      const sig = await wrong.signTypedData({
        account: wrong.account,
        domain: {
          name: "dvpn SessionEscrow",
          version: "1",
          chainId: f.deployment.chainId,
          verifyingContract: f.escrow.address,
        },
        types: {
          Usage: [
            { name: "sessionId", type: "uint256" },
            { name: "bytes", type: "uint64" },
            { name: "seconds", type: "uint64" },
          ],
        },
        primaryType: "Usage",
        message: { sessionId: s2, bytes: GIB, seconds: 60n },
      });
      tried++;
      await refused(tally, asProvider.write.claim([s2, GIB, 60n, sig]), "EscrowInvalidSignature", [s2]);
    }
    const s2Info = await f.escrow.read.getSession([s2]);
    // Counted from the escrows' events against every voucher signed (none valid for s2), then asserted.
    const onA = await reconcile(f.publicClient, f.escrow.address, [s1, s2], signedA);
    const onB = await reconcile(f.publicClient, other.escrow, [idB], signedB);
    record({
      category: "contracts: signature replay",
      badInputsTried: tried,
      doublePayments: onA.doublePayments + onB.doublePayments,
      dataLost: onA.sessionsLosingMoney + onB.sessionsLosingMoney,
      crashes: tally.unexpected.length,
      details: { claims: onA.claims + onB.claims, replaysAccepted: tally.accepted.length },
    });
    assert.deepEqual(tally.accepted, [], "replayed vouchers accepted");
    assert.deepEqual(tally.unexpected, [], "replays refused for another reason than the one expected");
    assert.equal(onA.doublePayments + onB.doublePayments, 0, "claims above the vouchers signed");
    assert.equal(s2Info.paid, 0n, "no replayed voucher paid anything in s2");
  });

  it("stops re-entrancy through a malicious payment token and re-entering recipients", async () => {
    f = await loadFixture();
    const token = await deployContract(f, hookToken);
    const attacker = await deployContract(f, receiver); // the client
    const treasury = await deployContract(f, receiver); // the fee recipient
    const env = await deployAnother(f, provider, { paymentToken: token, treasury });
    const escrow = env.escrow;
    const pub = { public: f.publicClient, wallet: f.deployer };
    const mal = getContract({ address: token, abi: hookTokenAbi, client: pub });
    const atk = getContract({ address: attacker, abi: receiverAbi, client: pub });
    const tre = getContract({ address: treasury, abi: receiverAbi, client: pub });
    const esc = (w: Wallet) =>
      getContract({ address: escrow, abi: sessionEscrowAbi, client: { public: f.publicClient, wallet: w } });
    const call = (functionName: string, args: unknown[]) =>
      encodeFunctionData({ abi: sessionEscrowAbi, functionName, args } as never);
    const heartbeat = () =>
      f.mined(provider.writeContract({ address: env.registry, abi: providerRegistryAbi, functionName: "heartbeat" }));
    const balance = (a: Address) => mal.read.balanceOf([a]);
    const start = USD(1000);
    await f.mined(mal.write.mint([attacker, start]));
    await f.mined(
      atk.write.exec([
        token,
        encodeFunctionData({ abi: dvpnTokenAbi, functionName: "approve", args: [escrow, 2n ** 255n] }),
      ]),
    );
    const open = async (): Promise<bigint> => {
      const r = await f.mined(
        atk.write.exec([
          escrow,
          call("openSession", [
            provider.account.address,
            CLIENT_WG_KEY,
            signer.address,
            USD(10),
            MAX_UINT96,
            MAX_UINT96,
          ]),
        ]),
      );
      const ev = eventsOf(sessionEscrowAbi, escrow, r).find((e) => e.eventName === "SessionOpened");
      return ev!.args.sessionId as bigint;
    };
    let attempts = 0;
    // Counted as the attack goes, recorded, then asserted: a re-entry that reverted for another
    // reason than the guard is unexpected; a balance off its expected value is money lost or paid twice.
    const otherReverts: string[] = [];
    const wrongBalances: string[] = [];
    const guarded = async (who: string, lastRevert: Promise<Hex>) => {
      const got = await lastRevert;
      if (got !== GUARD) otherReverts.push(`${who}: ${got}`);
    };
    const balanceIs = async (a: Address, want: bigint, what: string) => {
      const got = await balance(a);
      if (got !== want) wrongBalances.push(`${what}: ${got}, expected ${want}`);
    };

    // 1. The refund of a cancelled session re-enters cancelSession.
    const a = await open();
    await f.networkHelpers.time.increase(301);
    await f.mined(atk.write.arm([escrow, call("cancelSession", [a])]));
    await f.mined(atk.write.exec([escrow, call("cancelSession", [a])]));
    attempts++;
    assert.equal(await atk.read.attempts(), 1n);
    await guarded("cancelSession re-entered from the refund", atk.read.lastRevert());
    await balanceIs(attacker, start, "the deposit came back exactly once");

    // 2. The protocol fee, swept by anyone once the session settled (after 3), re-enters claim with the
    // same voucher (the treasury is the re-entrant).
    await heartbeat();
    const b = await open();
    await f.mined(esc(provider).write.acceptSession([b, "10.64.0.2/32"]));
    const v = await signVoucher(f, signer, b, GIB, 600n, { chainId: f.deployment.chainId, escrow });
    await f.mined(tre.write.arm([escrow, call("claim", [b, GIB, 600n, v])]));
    await f.mined(esc(provider).write.claim([b, GIB, 600n, v]));
    const terms = { pricePerGiB: USD("0.5"), pricePerMinute: USD("0.01"), deposit: USD(10) };
    const paid = priceUsage(terms, { bytes: GIB, seconds: 600n });
    const fee = protocolFee(paid, 250);
    await balanceIs(provider.account.address, paid - fee, "the provider was paid once");

    // 3. The client's refund at finalize re-enters finalize.
    await f.mined(atk.write.exec([escrow, call("closeSession", [b])]));
    await f.networkHelpers.time.increase(3601);
    await f.mined(atk.write.arm([escrow, call("finalize", [b])]));
    await f.mined(esc(client).write.finalize([b]));
    attempts++;
    assert.equal(await atk.read.attempts(), 2n);
    await guarded("finalize re-entered from the refund", atk.read.lastRevert());
    await balanceIs(attacker, start - paid, "the client paid exactly the voucher");
    // 2, continued: the session's fee accrued when it settled; anyone sweeps it.
    await f.mined(esc(client).write.sweepFees());
    attempts++;
    assert.equal(await tre.read.attempts(), 1n);
    await guarded("claim re-entered from the fee sweep", tre.read.lastRevert());
    await balanceIs(treasury, fee, "the fee was paid once");

    // 4. The token itself re-enters the escrow from inside the deposit's transferFrom.
    await heartbeat();
    await f.mined(mal.write.arm([escrow, call("finalize", [b])]));
    const c = await open();
    attempts++;
    await f.mined(mal.write.arm([escrow, call("cancelSession", [c])]));
    await f.networkHelpers.time.increase(301);
    await f.mined(atk.write.exec([escrow, call("cancelSession", [c])]));
    attempts++;
    assert.equal(await mal.read.attempts(), 2n);
    await guarded("the token re-entering from transferFrom", mal.read.lastRevert());

    // Nothing left behind: every session settled, the escrow holds nothing.
    await balanceIs(escrow, 0n, "the escrow after every session settled");
    const total = (await balance(attacker)) + (await balance(treasury)) + (await balance(provider.account.address));
    if (total !== start) wrongBalances.push(`client + treasury + provider hold ${total}, expected ${start}`);
    const reentered = (await atk.read.successes()) + (await tre.read.successes()) + (await mal.read.successes());
    const ledger = await reconcile(f.publicClient, escrow, [a, b, c], new Map([[b, { bytes: GIB, seconds: 600n }]]));
    record({
      category: "contracts: re-entrancy",
      faultsInjected: attempts,
      badInputsTried: attempts,
      recoveries: attempts - Number(reentered) - otherReverts.length,
      doublePayments: Number(reentered) + ledger.doublePayments,
      dataLost: ledger.sessionsLosingMoney + wrongBalances.length,
      crashes: otherReverts.length,
      details: { claims: ledger.claims, unaccounted: ledger.unaccounted },
    });
    assert.equal(reentered, 0n, "a re-entrant call went through");
    assert.equal(ledger.doublePayments, 0, "claims above the voucher signed");
    assert.deepEqual(otherReverts, [], "re-entries stopped by something else than the guard");
    assert.deepEqual(wrongBalances, [], "balances after the attack");
    assert.equal(ledger.sessionsLosingMoney, 0, "settled sessions whose deposit is not accounted for");
  });

  it("lets a squatter that never cancels hold none of the provider's capacity, at no cost to the provider", async () => {
    f = await loadFixture();
    const maxSessions = 4;
    await registerProvider(f, provider, { maxSessions });
    const attacker = f.users[5]!;
    const providerNonce = await f.publicClient.getTransactionCount({ address: provider.account.address });
    const rounds = count(2, 10);
    let attackerGas = 0n;
    let attackerGasUnits = 0n;
    let opened = 0;
    let unavailable = 0;
    const failedOpens: string[] = []; // opens the escrow should have taken but reverted: unexpected
    for (let round = 0; round < rounds; round++) {
      // Fill every slot, and more, with sessions whose WireGuard key the agent refuses (it never
      // accepts them); the squatter never cancels.
      for (let i = 0; i < maxSessions + 1; i++) {
        const squat = await openSession(f, attacker, provider.account.address, {
          wgPublicKey: `0x${"ff".repeat(32)}`,
          deposit: 1n,
        }).catch((err: Error) => void failedOpens.push(err.message.split("\n")[0]!));
        if (!squat) continue;
        const { receipt } = squat;
        attackerGas += receipt.gasUsed * receipt.effectiveGasPrice;
        attackerGasUnits += receipt.gasUsed;
        opened++;
        if (!(await f.registry.read.isAvailable([provider.account.address]))) unavailable++;
      }
      await f.networkHelpers.time.increase(301);
      await f.mined(f.as(provider).registry.write.heartbeat()); // the agent's timer, not caused by the attack
      if (!(await f.registry.read.isAvailable([provider.account.address]))) unavailable++;
    }
    const victimTxs =
      (await f.publicClient.getTransactionCount({ address: provider.account.address })) - providerNonce - rounds;
    const victimGas = 0n; // the refusing agent sends no transaction for a refused session
    // An honest client is served while the squats are still pending.
    const honest = await activeSession(f, client, provider);
    assert.equal((await f.escrow.read.getSession([honest])).status, 2);
    // No voucher was signed for any of these sessions: any claim is a payment above the voucher.
    const ids = Array.from({ length: Number(await f.escrow.read.sessionCount()) }, (_, i) => BigInt(i + 1));
    const ledger = await reconcile(f.publicClient, f.escrow.address, ids, new Map());
    record({
      category: "contracts: griefing",
      badInputsTried: opened,
      dataLost: ledger.sessionsLosingMoney,
      doublePayments: ledger.doublePayments,
      crashes: failedOpens.length,
      details: {
        sessionsOpenedByAttacker: opened,
        attackerGasUnits,
        attackerGasUnitsPerSession: opened ? attackerGasUnits / BigInt(opened) : 0n,
        attackerGasCostWei: attackerGas,
        victimTransactions: victimTxs,
        victimGasUnits: 0,
        victimGasCostWei: victimGas,
        griefingRatio: 0,
        checksWhileUnavailable: unavailable,
        acceptTimeoutSeconds: 300,
      },
    });
    assert.deepEqual(failedOpens, [], "the squatter's opens reverted");
    assert.equal(victimTxs, 0, "the provider sent nothing in answer to the attack");
    assert.equal(unavailable, 0, "pending sessions never made the provider unavailable");
    assert.equal(ledger.doublePayments, 0, "claims without any voucher signed");
    assert.equal(ledger.sessionsLosingMoney, 0, "settled sessions whose deposit is not accounted for");
  });

  it("keeps every deposit accounted for over a seeded random sequence of session operations", async () => {
    f = await loadFixture();
    const seed = Number(process.env.DVPN_CHAOS_SEED ?? 20261124);
    const steps = Number(process.env.DVPN_FUZZ_STEPS ?? count(60, 5000));
    const rng = createPrng(seed);
    const providers = [f.users[0]!, f.users[1]!];
    const clients = [f.users[2]!, f.users[3]!, f.users[4]!];
    for (const p of providers) await registerProvider(f, p, { maxSessions: 50 });
    const signers = new Map<bigint, LocalAccount>();
    type S = {
      id: bigint;
      client: Wallet;
      provider: Wallet;
      deposit: bigint;
      bytes: bigint;
      seconds: bigint;
      status: string;
      /** Its fee so far: it stays in the escrow until the session settles. */
      fees: bigint;
    };
    const sessions: S[] = [];
    const actors = [...providers, ...clients].map((w) => w.account.address);
    const treasury = f.timelock.address;
    const bal = (a: Address) => f.usd.read.balanceOf([a]);
    const expected = new Map<string, bigint>();
    for (const a of [...actors, treasury, f.escrow.address]) expected.set(a.toLowerCase(), await bal(a));
    const add = (a: Address, d: bigint) => expected.set(a.toLowerCase(), expected.get(a.toLowerCase())! + d);
    const terms = (s: S) => ({ pricePerGiB: USD("0.5"), pricePerMinute: USD("0.01"), deposit: s.deposit });
    let badInputs = 0;
    let ops = 0;
    let fees = 0n;

    // Counted, recorded, then asserted: balances off the model (money lost or paid twice), refused
    // calls that went through or reverted otherwise, and calls the model expects to succeed that
    // reverted (unexpected: crashes). The sequence stops at the first of them, so the model stays true.
    const tally = refusals();
    const mismatches: string[] = [];
    const crashes: string[] = [];
    const signedMax = new Map<bigint, { bytes: bigint; seconds: bigint }>();
    const signed = (id: bigint, bytes: bigint, seconds: bigint) => {
      const m = signedMax.get(id) ?? { bytes: 0n, seconds: 0n };
      signedMax.set(id, {
        bytes: bytes > m.bytes ? bytes : m.bytes,
        seconds: seconds > m.seconds ? seconds : m.seconds,
      });
    };
    const check = async (step: number) => {
      const off = (what: string, got: bigint, want: bigint) => {
        if (got !== want) mismatches.push(`${what} after step ${step} (seed ${seed}): ${got}, expected ${want}`);
      };
      for (const [a, want] of expected) off(`balance of ${a}`, await bal(a as Address), want);
      let held = 0n;
      for (const s of sessions) {
        const info = await f.escrow.read.getSession([s.id]);
        // An unsettled session holds its deposit less what its provider was paid (its fee stays).
        if (info.status !== 4) held += info.deposit - info.paid + s.fees;
      }
      off("accrued fees", await f.escrow.read.accruedFees(), fees);
      off(
        "escrow balance = unsettled deposits less provider payments + accrued fees",
        await bal(f.escrow.address),
        held + fees,
      );
    };

    for (let step = 0; step < steps; step++) {
      const kind = rng.pick([
        "open",
        "open",
        "accept",
        "claim",
        "claim",
        "badClaim",
        "clientClose",
        "providerClose",
        "finalize",
        "cancel",
        "time",
      ]);
      try {
        const pick = (status: string) => {
          const list = sessions.filter((s) => s.status === status);
          return list.length ? rng.pick(list) : undefined;
        };
        if (kind === "open") {
          const c = rng.pick(clients);
          const p = rng.pick(providers);
          await f.mined(f.as(p).registry.write.heartbeat());
          if (!(await f.registry.read.isAvailable([p.account.address]))) continue; // every slot taken
          const key = privateKeyToAccount(generatePrivateKey());
          const deposit = BigInt(rng.between(1, 20_000_000));
          const { sessionId } = await openSession(f, c, p.account.address, { signer: key.address, deposit });
          signers.set(sessionId, key);
          sessions.push({
            id: sessionId,
            client: c,
            provider: p,
            deposit,
            bytes: 0n,
            seconds: 0n,
            status: "pending",
            fees: 0n,
          });
          add(c.account.address, -deposit);
          add(f.escrow.address, deposit);
        } else if (kind === "accept") {
          const s = pick("pending");
          if (!s) continue;
          const r = await revertOf(f.as(s.provider).escrow.write.acceptSession([s.id, "10.64.0.2/32"])).catch(
            () => undefined,
          );
          if (r === undefined) s.status = "active";
          else {
            // Past its deadline, or the provider is full (a pending session holds no slot).
            if (!["EscrowAcceptDeadlinePassed", "RegistryAtCapacity"].includes(r.errorName))
              tally.unexpected.push(`acceptSession: ${r.errorName}`);
            badInputs++;
          }
        } else if (kind === "claim" || kind === "providerClose") {
          const s = pick("active") ?? pick("closing");
          if (!s) continue;
          const bytes = s.bytes + BigInt(rng.between(0, 3)) * BigInt(rng.between(0, 2 ** 30));
          const seconds = s.seconds + BigInt(rng.between(0, 3600));
          const before = priceUsage(terms(s), { bytes: s.bytes, seconds: s.seconds });
          const after = priceUsage(terms(s), { bytes, seconds });
          const sig = await signVoucher(f, signers.get(s.id)!, s.id, bytes, seconds);
          signed(s.id, bytes, seconds);
          const esc = f.as(s.provider).escrow;
          const wasActive = s.status === "active";
          const closingExpired =
            s.status === "closing" &&
            (await f.escrow.read.getSession([s.id])).deadline < (await f.publicClient.getBlock()).timestamp + 1n;
          if (closingExpired) {
            badInputs++;
            await refused(tally, esc.write.claim([s.id, bytes, seconds, sig]), "EscrowSettlementWindowOver", [
              s.id,
              (await f.escrow.read.getSession([s.id])).deadline,
            ]);
            continue;
          }
          const unchanged = bytes === s.bytes && seconds === s.seconds;
          if (kind === "claim" && unchanged) {
            badInputs++;
            await refused(tally, esc.write.claim([s.id, bytes, seconds, sig]), "EscrowStaleVoucher", [
              s.id,
              bytes,
              seconds,
              s.bytes,
              s.seconds,
            ]);
            continue;
          }
          const amount = after - before;
          const fee = claimFee(before, after, 250);
          if (kind === "claim") await f.mined(esc.write.claim([s.id, bytes, seconds, sig]));
          else if (unchanged) await f.mined(esc.write.closeSession([s.id]));
          else await f.mined(esc.write.closeWithVoucher([s.id, bytes, seconds, sig]));
          if (!unchanged) {
            s.bytes = bytes;
            s.seconds = seconds;
            add(s.provider.account.address, amount - fee);
            add(f.escrow.address, fee - amount); // the fee stays in the escrow
            s.fees += fee;
          }
          if (kind === "providerClose") {
            const refund = s.deposit - after;
            add(s.client.account.address, refund);
            add(f.escrow.address, -refund);
            s.status = "closed";
            fees += s.fees;
          }
          void wasActive;
        } else if (kind === "badClaim") {
          const s = pick("active");
          if (!s) continue;
          badInputs++;
          const forged = privateKeyToAccount(generatePrivateKey());
          const sig = await signVoucher(f, forged, s.id, s.bytes + GIB, s.seconds + 60n);
          await refused(
            tally,
            f.as(s.provider).escrow.write.claim([s.id, s.bytes + GIB, s.seconds + 60n, sig]),
            "EscrowInvalidSignature",
            [s.id],
          );
          if (s.bytes > 0n) {
            badInputs++;
            const old = await signVoucher(f, signers.get(s.id)!, s.id, s.bytes - 1n, s.seconds);
            await refused(
              tally,
              f.as(s.provider).escrow.write.claim([s.id, s.bytes - 1n, s.seconds, old]),
              "EscrowStaleVoucher",
              [s.id, s.bytes - 1n, s.seconds, s.bytes, s.seconds],
            );
          }
        } else if (kind === "clientClose") {
          const s = pick("active");
          if (!s) continue;
          await f.mined(f.as(s.client).escrow.write.closeSession([s.id]));
          s.status = "closing";
        } else if (kind === "finalize") {
          const s = pick("closing");
          if (!s) continue;
          const info = await f.escrow.read.getSession([s.id]);
          const ts = (await f.publicClient.getBlock()).timestamp;
          if (info.deadline >= ts + 1n) {
            badInputs++;
            await refused(tally, f.as(s.client).escrow.write.finalize([s.id]), "EscrowSettlementWindowOpen", [
              s.id,
              info.deadline,
            ]);
            continue;
          }
          await f.mined(f.as(rng.pick(clients)).escrow.write.finalize([s.id]));
          const refund = s.deposit - priceUsage(terms(s), { bytes: s.bytes, seconds: s.seconds });
          add(s.client.account.address, refund);
          add(f.escrow.address, -refund);
          s.status = "closed";
          fees += s.fees;
        } else if (kind === "cancel") {
          const s = pick("pending");
          if (!s) continue;
          const info = await f.escrow.read.getSession([s.id]);
          const ts = (await f.publicClient.getBlock()).timestamp;
          if (info.deadline >= ts + 1n && rng.below(2) === 0) {
            // Before the deadline only the session's client may withdraw it.
            badInputs++;
            const other = clients.find((c) => c !== s.client)!;
            await refused(tally, f.as(other).escrow.write.cancelSession([s.id]), "EscrowAcceptDeadlineNotReached", [
              s.id,
              info.deadline,
            ]);
            continue;
          }
          await f.mined(f.as(s.client).escrow.write.cancelSession([s.id]));
          add(s.client.account.address, s.deposit);
          add(f.escrow.address, -s.deposit);
          s.status = "closed";
        } else {
          await f.networkHelpers.time.increase(rng.pick([30, 200, 400, 2000, 4000]));
        }
      } catch (err) {
        crashes.push(`step ${step} (${kind}, seed ${seed}): ${(err as Error).message.split("\n")[0]}`);
        break;
      }
      ops++;
      if (step % 10 === 9 || step === steps - 1) await check(step);
      if (mismatches.length || tally.accepted.length || tally.unexpected.length) break;
    }
    if (!crashes.length) await check(steps);
    const ids = sessions.map((s) => s.id);
    const ledger = await reconcile(f.publicClient, f.escrow.address, ids, signedMax);
    record({
      category: "contracts: seeded invariant sequence",
      badInputsTried: badInputs,
      dataLost: ledger.sessionsLosingMoney + mismatches.length,
      doublePayments: ledger.doublePayments,
      crashes: crashes.length + tally.unexpected.length,
      details: {
        seed,
        steps,
        operations: ops,
        sessions: sessions.length,
        claims: ledger.claims,
        unaccounted: ledger.unaccounted,
      },
    });
    assert.deepEqual(crashes, [], "operations the model expects to succeed reverted");
    assert.deepEqual(tally.unexpected, [], "calls refused for another reason than expected");
    assert.deepEqual(tally.accepted, [], "hostile calls went through");
    assert.deepEqual(mismatches, [], "balances off the model");
    assert.equal(ledger.doublePayments, 0, "claims above the vouchers signed");
    assert.equal(ledger.sessionsLosingMoney, 0, "settled sessions whose deposit is not accounted for");
    assert.ok(sessions.length > 0, "the sequence opened sessions");
    void zeroAddress;
  });
});
