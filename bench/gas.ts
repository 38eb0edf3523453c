/**
 * `npm run bench:gas`: gas used by every protocol operation on Hardhat's in-process network
 * (the compiler settings of hardhat.config.ts), measured from transaction receipts.
 *
 * Two passes over the same operations:
 * - cold: a fresh deployment, so each operation is the first of its kind (the registry and
 *   escrow hold nothing yet, the provider and the treasury have never received payment tokens,
 *   the first session id, the first proposal);
 * - warm (the headline figures): the same operations again on the same deployment, with other
 *   sessions open, the provider and the treasury already holding payment tokens, and so on,
 *   which is the state a live network is in.
 *
 * Prints a table to stderr and the JSON to stdout, and writes it to bench/results/gas.json
 * (DVPN_BENCH_RESULTS_DIR/gas.json when set; bench/results/quick/ for `--quick`): `{ <operation>: gasUsed, …, cold, targets,
 * withinTarget, series }`. `--quick` measures fewer points of the claims series.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodeFunctionData, keccak256, toBytes, zeroAddress, type Hex, type TransactionReceipt } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { sessionEscrowAbi } from "../sdk/src/abi/index.ts";
import { signUsageVoucher } from "../sdk/src/vouchers/usage.ts";
import { DVPN, USD, deployFixture, type Fixture, type Wallet } from "../test/contracts/fixture.ts";
import { CLIENT_WG_KEY, MAX_UINT96, WG_KEY, signPermit } from "../test/contracts/helpers.ts";
import { resultsDir, writeJson } from "./lib/results.ts";

const { values: flags } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const quick = flags.quick || process.env.DVPN_BENCH_QUICK === "1";

/** Upper bounds the protocol aims for (warm figures). */
const TARGETS: Record<string, number> = {
  openSession: 140_000,
  acceptSession: 50_000,
  claim: 80_000,
  "whole session (open, accept, 10 claims, close, finalize)": 900_000,
  heartbeat: 30_000,
  "closeSession (client)": 80_000,
  "closeSession (provider)": 80_000,
  finalize: 80_000,
  register: 250_000,
};

const GIB = 1n << 30n;
const signer = privateKeyToAccount(keccak256(toBytes("gas bench session signer")));
const log = (line: string) => process.stderr.write(`[gas] ${line}\n`);

interface Actors {
  /** Registers with a prior approval. */
  provider: Wallet;
  /** Registers with a permit (no approval). */
  permitProvider: Wallet;
  client: Wallet;
  /** Opens with a permit (no approval). */
  permitClient: Wallet;
}

async function gasOf(f: Fixture, tx: Promise<Hex>): Promise<bigint> {
  return (await f.mined(tx)).gasUsed;
}

async function permit(
  f: Fixture,
  owner: Wallet,
  token: { address: Hex; name: string },
  spender: Hex,
  value: bigint,
  nonce: bigint,
) {
  const deadline = (await f.publicClient.getBlock()).timestamp + 3600n;
  return { deadline, ...(await signPermit(f, owner, token, { spender, value, nonce, deadline })) };
}

function sessionIdOf(f: Fixture, receipt: TransactionReceipt): bigint {
  for (const l of receipt.logs) {
    if (l.address.toLowerCase() !== f.escrow.address.toLowerCase()) continue;
    // SessionOpened(uint256 indexed sessionId, …): the id is the first indexed topic.
    if (l.topics[1]) return BigInt(l.topics[1]);
  }
  throw new Error("SessionOpened not found");
}

/** Opens (and by default accepts) a session from `client` to `provider`; returns id and gas. */
async function session(f: Fixture, client: Wallet, provider: Wallet, accept = true) {
  const opened = await f.mined(
    f
      .as(client)
      .escrow.write.openSession([
        provider.account.address,
        CLIENT_WG_KEY,
        signer.address,
        USD(20),
        MAX_UINT96,
        MAX_UINT96,
      ]),
  );
  const id = sessionIdOf(f, opened);
  const acceptGas = accept ? await gasOf(f, f.as(provider).escrow.write.acceptSession([id, "10.64.0.2/32"])) : 0n;
  return { id, openGas: opened.gasUsed, acceptGas };
}

async function voucher(f: Fixture, sessionId: bigint, n: bigint) {
  const domain = { chainId: f.deployment.chainId, escrow: f.escrow.address };
  const terms = await f.escrow.read.termsOf([sessionId]);
  return signUsageVoucher({ account: signer, domain, voucher: { sessionId, terms, bytes: n * GIB, seconds: n * 60n } });
}

async function claims(f: Fixture, provider: Wallet, sessionId: bigint, count: number, from = 1n): Promise<bigint[]> {
  const out: bigint[] = [];
  for (let i = 0n; i < BigInt(count); i++) {
    const n = from + i;
    out.push(
      await gasOf(f, f.as(provider).escrow.write.claim([sessionId, n * GIB, n * 60n, await voucher(f, sessionId, n)])),
    );
  }
  return out;
}

/** One pass over every operation; returns gas per operation. */
async function measurePass(f: Fixture, a: Actors, warm: boolean): Promise<Record<string, bigint>> {
  const g: Record<string, bigint> = {};
  const time = f.networkHelpers.time;
  const P = a.provider;
  const p = f.as(P);

  // ─── registry ───
  g.register = await gasOf(
    f,
    p.registry.write.register(["gw.example.org:51820", WG_KEY, "0x4445", USD("0.5"), USD("0.01"), 50, DVPN(5000)]),
  );
  const q = a.permitProvider;
  const pp = await permit(f, q, { address: f.token.address, name: "dvpn" }, f.registry.address, DVPN(5000), 0n);
  g.registerWithPermit = await gasOf(
    f,
    f
      .as(q)
      .registry.write.registerWithPermit([
        "gw2.example.org:51820",
        WG_KEY,
        "0x4e4c",
        USD("0.5"),
        USD("0.01"),
        50,
        DVPN(5000),
        pp.deadline,
        pp.v,
        pp.r,
        pp.s,
      ]),
  );
  await time.increase(300);
  g.heartbeat = await gasOf(f, p.registry.write.heartbeat());
  g.addStake = await gasOf(f, p.registry.write.addStake([DVPN(100)]));
  g.update = await gasOf(f, p.registry.write.update(["gw.example.org:51821", WG_KEY, "0x4652", 60]));
  g.setPrices = await gasOf(f, p.registry.write.setPrices([USD("0.4"), USD("0.01")]));
  g.pause = await gasOf(f, p.registry.write.pause());
  g.unpause = await gasOf(f, p.registry.write.unpause());
  g.requestUnstake = await gasOf(f, p.registry.write.requestUnstake([DVPN(100)]));
  g["requestUnstake (more while unbonding)"] = await gasOf(f, p.registry.write.requestUnstake([DVPN(50)]));
  await time.increase(86_401);
  await f.mined(p.registry.write.heartbeat());
  g.withdraw = await gasOf(f, p.registry.write.withdraw());

  // ─── escrow ───
  if (warm) {
    // A live network: other sessions of this provider are open and hold deposits.
    const other = await session(f, f.users[6]!, P);
    await claims(f, P, other.id, 1);
  }
  const whole = await session(f, a.client, P);
  g.openSession = whole.openGas;
  g.acceptSession = whole.acceptGas;
  const claimGas = await claims(f, P, whole.id, 10);
  g.claim = claimGas[0]!;
  g["claim (later claims, mean)"] = claimGas.slice(1).reduce((s, x) => s + x, 0n) / BigInt(claimGas.length - 1);
  g["closeSession (client)"] = await gasOf(f, f.as(a.client).escrow.write.closeSession([whole.id]));
  await time.increase(3601);
  g.finalize = await gasOf(f, f.as(a.client).escrow.write.finalize([whole.id]));
  g["whole session (open, accept, 10 claims, close, finalize)"] =
    whole.openGas + whole.acceptGas + claimGas.reduce((s, x) => s + x, 0n) + g["closeSession (client)"] + g.finalize;

  await f.mined(p.registry.write.heartbeat());
  const s2 = await session(f, a.client, P);
  await claims(f, P, s2.id, 1);
  g["closeSession (provider)"] = await gasOf(f, p.escrow.write.closeSession([s2.id]));

  const s3 = await session(f, a.client, P);
  await claims(f, P, s3.id, 1);
  g.closeWithVoucher = await gasOf(
    f,
    p.escrow.write.closeWithVoucher([s3.id, 2n * GIB, 120n, await voucher(f, s3.id, 2n)]),
  );

  const s4 = await session(f, a.client, P, false);
  await time.increase(301);
  g.cancelSession = await gasOf(f, f.as(a.client).escrow.write.cancelSession([s4.id]));

  await f.mined(p.registry.write.heartbeat());
  const d = a.permitClient;
  const dp = await permit(f, d, { address: f.usd.address, name: "Mock USD" }, f.escrow.address, USD(20), 0n);
  g.openSessionWithPermit = await gasOf(
    f,
    f
      .as(d)
      .escrow.write.openSessionWithPermit([
        P.account.address,
        CLIENT_WG_KEY,
        zeroAddress,
        USD(20),
        MAX_UINT96,
        MAX_UINT96,
        dp.deadline,
        dp.v,
        dp.r,
        dp.s,
      ]),
  );

  // ─── governance: a parameter change through the whole cycle ───
  const calldata = encodeFunctionData({
    abi: sessionEscrowAbi,
    functionName: "setProtocolFeeBps",
    args: [warm ? 300n : 200n],
  });
  const description = `gas bench: protocol fee (${warm ? "warm" : "cold"})`;
  const args = [[f.escrow.address], [0n], [calldata]] as const;
  g.propose = await gasOf(f, f.governor.write.propose([...args, description]));
  const id = await f.governor.read.hashProposal([...args, keccak256(toBytes(description))]);
  await time.increase(61);
  g.castVote = await gasOf(f, f.governor.write.castVote([id, 1]));
  await time.increase(301);
  g.queue = await gasOf(f, f.governor.write.queue([...args, keccak256(toBytes(description))]));
  await time.increase(61);
  g.execute = await gasOf(f, f.governor.write.execute([...args, keccak256(toBytes(description))]));
  return g;
}

/** Whole-session gas against the number of claims (warm state). */
async function claimsSeries(f: Fixture, provider: Wallet, client: Wallet, counts: number[]) {
  const points: { group: string; x: number; median: number }[] = [];
  for (const n of counts) {
    await f.mined(f.as(provider).registry.write.heartbeat());
    const s = await session(f, client, provider);
    const c = await claims(f, provider, s.id, n);
    const close = await gasOf(f, f.as(client).escrow.write.closeSession([s.id]));
    await f.networkHelpers.time.increase(3601);
    const fin = await gasOf(f, f.as(client).escrow.write.finalize([s.id]));
    const total = s.openGas + s.acceptGas + c.reduce((a, b) => a + b, 0n) + close + fin;
    points.push({ group: "whole session", x: n, median: Number(total) });
  }
  return points;
}

async function fund(f: Fixture, w: Wallet, opts: { dvpn?: bigint; usd?: bigint; approve: boolean }) {
  if (opts.dvpn) await f.mined(f.token.write.transfer([w.account.address, opts.dvpn]));
  if (opts.usd) await f.mined(f.usd.write.mint([w.account.address, opts.usd]));
  if (opts.approve) await f.mined(f.as(w).token.write.approve([f.registry.address, 2n ** 255n]));
}

async function main(): Promise<void> {
  const f = await deployFixture();
  // The deployer holds the voting supply.
  await f.mined(f.token.write.delegate([f.deployer.account.address]));
  const u = f.users;
  // Cold provider: staking tokens only, never paid in the payment token.
  await fund(f, u[10]!, { dvpn: DVPN(10_000), approve: true });
  await fund(f, u[11]!, { dvpn: DVPN(10_000), approve: false });
  await fund(f, u[12]!, { usd: USD(100), approve: false });
  await fund(f, u[13]!, { dvpn: DVPN(10_000), approve: false });
  await fund(f, u[14]!, { usd: USD(100), approve: false });

  log("cold pass (fresh deployment, first of each operation)");
  const cold = await measurePass(
    f,
    { provider: u[10]!, permitProvider: u[11]!, client: u[4]!, permitClient: u[12]! },
    false,
  );
  log("warm pass (live state: other sessions open, balances non-zero)");
  const warm = await measurePass(
    f,
    { provider: u[0]!, permitProvider: u[13]!, client: u[5]!, permitClient: u[14]! },
    true,
  );
  const points = await claimsSeries(f, u[0]!, u[7]!, quick ? [1, 10] : [1, 5, 10, 25, 50]);

  // The run's own date: a result file's modification time is a clone's, not the run's.
  const result: Record<string, unknown> = { status: "ok", quick, date: new Date().toISOString() };
  for (const [op, gas] of Object.entries(warm)) result[op] = Number(gas);
  result.cold = Object.fromEntries(Object.entries(cold).map(([op, gas]) => [op, Number(gas)]));
  result.targets = TARGETS;
  result.withinTarget = Object.fromEntries(Object.entries(TARGETS).map(([op, max]) => [op, Number(warm[op]) <= max]));
  result.withinTargetCold = Object.fromEntries(
    Object.entries(TARGETS).map(([op, max]) => [op, Number(cold[op]) <= max]),
  );
  result.series = [
    {
      id: "gas-session-claims",
      title: "Gas of a whole session by number of claims",
      x: { label: "claims in the session" },
      y: { label: "gas" },
      higherIsBetter: false,
      xIsWork: true,
      points,
    },
  ];

  const rows = Object.keys(warm).map((op) => {
    const t = TARGETS[op];
    const w = Number(warm[op]);
    const c = Number(cold[op]);
    return { op, warm: w, cold: c, target: t, ok: t === undefined ? "" : w <= t ? "yes" : "NO" };
  });
  const fmt = (n: number | undefined) => (n === undefined ? "" : n.toLocaleString("en-US"));
  const md = [
    "| operation | warm gas | cold gas | target | within |",
    "|---|---:|---:|---:|:-:|",
    ...rows.map(
      (r) => `| ${r.op} | ${fmt(r.warm)} | ${r.cold === r.warm ? "=" : fmt(r.cold)} | ${fmt(r.target)} | ${r.ok} |`,
    ),
  ].join("\n");
  result.summaryMarkdown = md;

  const width = Math.max(...rows.map((r) => r.op.length));
  process.stderr.write(
    `${"operation".padEnd(width)}  ${"warm".padStart(9)}  ${"cold".padStart(9)}  ${"target".padStart(9)}  within\n`,
  );
  for (const r of rows) {
    process.stderr.write(
      `${r.op.padEnd(width)}  ${fmt(r.warm).padStart(9)}  ${fmt(r.cold).padStart(9)}  ${fmt(r.target).padStart(9)}  ${r.ok}\n`,
    );
  }
  const file = join(resultsDir(quick), "gas.json");
  writeJson(file, result);
  log(`wrote ${file}`);
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
}

await main();
process.exit(0);
