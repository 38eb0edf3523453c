/**
 * Helpers shared by the contract tests: provider and session set-up, voucher signing and
 * revert assertions that decode any protocol error by name and arguments.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  parseAbi,
  stringToHex,
  toHex,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";
import {
  dvpnGovernorAbi,
  dvpnTimelockAbi,
  dvpnTokenAbi,
  providerRegistryAbi,
  sessionEscrowAbi,
} from "../../sdk/src/abi/index.ts";
import { PERMIT_TYPES } from "../../sdk/src/internal/permit.ts";
import { readVoucherTerms, signUsageVoucher, type UsageDomainParameters } from "../../sdk/src/vouchers/usage.ts";
import { DVPN, USD, eventsOf, type Fixture, type Wallet } from "./fixture.ts";

/** Every error any protocol contract (or a token it calls) can revert with. */
const ALL_ERRORS: Abi = [
  ...providerRegistryAbi,
  ...sessionEscrowAbi,
  ...dvpnGovernorAbi,
  ...dvpnTimelockAbi,
  ...dvpnTokenAbi,
  ...parseAbi([
    "error ECDSAInvalidSignatureS(bytes32 s)",
    "error ECDSAInvalidSignature()",
    "error BlocklistTokenBlocked(address account)",
  ]),
].filter((item) => item.type === "error");

/** A region code as the contract's bytes2. */
export const region = (code: string): Hex => toHex(code, { size: 2 });

export const WG_KEY: Hex = `0x${"11".repeat(32)}`;
export const CLIENT_WG_KEY: Hex = `0x${"22".repeat(32)}`;
export const ENDPOINT = "vpn.example.org:51820";
/** Default provider prices: 0.5 mUSD per GiB, 0.01 mUSD per minute. */
export const PRICE_PER_GIB = USD("0.5");
export const PRICE_PER_MINUTE = USD("0.01");
export const MAX_UINT96 = (1n << 96n) - 1n;
/** The most a provider may charge per GiB or per minute (`ProviderRegistry.MAX_PRICE`, `SessionEscrow.MAX_PRICE`). */
export const MAX_PRICE = (1n << 64n) - 1n;

/** The error a failed call reverted with, decoded against every protocol ABI. */
export async function revertOf(call: Promise<unknown>): Promise<{ errorName: string; args: readonly unknown[] }> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, "expected the call to revert, but it succeeded");
  assert.ok(caught instanceof BaseError, `expected a viem error, got ${String(caught)}`);
  const reverted = caught.walk((e) => e instanceof ContractFunctionRevertedError);
  let raw: Hex | undefined;
  if (reverted instanceof ContractFunctionRevertedError) {
    if (reverted.data) return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
    raw = reverted.raw;
  }
  if (!raw) {
    const withData = caught.walk((e) => typeof (e as { data?: unknown }).data === "string") as
      { data?: Hex } | undefined;
    raw = withData?.data;
  }
  assert.ok(raw && raw.length >= 10, `revert without decodable data: ${caught.shortMessage}`);
  const decoded = decodeErrorResult({ abi: ALL_ERRORS, data: raw });
  return { errorName: decoded.errorName, args: decoded.args ?? [] };
}

/** Asserts that `call` reverts with the custom error `errorName` and exactly `args`. */
export async function assertRevert(call: Promise<unknown>, errorName: string, args: readonly unknown[] = []) {
  const got = await revertOf(call);
  assert.equal(got.errorName, errorName, `expected ${errorName}, got ${got.errorName}(${String(got.args)})`);
  assert.deepEqual(normalize(got.args), normalize(args), `arguments of ${errorName}`);
}

function normalize(values: readonly unknown[]): unknown[] {
  return values.map((v) => (typeof v === "string" && v.startsWith("0x") ? v.toLowerCase() : v));
}

/** Asserts that the receipt holds `eventName` from `address` with these arguments (addresses compared case-insensitively). */
export function assertEvent(
  abi: Abi,
  address: Address,
  receipt: Parameters<typeof eventsOf>[2],
  eventName: string,
  args: Record<string, unknown>,
) {
  const events = eventsOf(abi, address, receipt).filter((e) => e.eventName === eventName);
  assert.ok(events.length > 0, `no ${eventName} event`);
  const norm = (o: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k, typeof v === "string" && v.startsWith("0x") ? v.toLowerCase() : v]),
    );
  const want = norm(args);
  const matches = events.some((e) => {
    try {
      assert.deepEqual(norm(e.args), want);
      return true;
    } catch {
      return false;
    }
  });
  if (!matches) assert.deepEqual(norm(events[0]!.args), want, `${eventName} arguments`);
}

export interface ProviderOptions {
  endpoint?: string;
  wgPublicKey?: Hex;
  region?: string;
  pricePerGiB?: bigint;
  pricePerMinute?: bigint;
  maxSessions?: number;
  stake?: bigint;
}

/** Registers `wallet` as a provider with sensible defaults (stake 10,000 DVPN). */
export async function registerProvider(f: Fixture, wallet: Wallet, o: ProviderOptions = {}) {
  const { registry } = f.as(wallet);
  return f.mined(
    registry.write.register([
      o.endpoint ?? ENDPOINT,
      o.wgPublicKey ?? WG_KEY,
      region(o.region ?? "DE"),
      o.pricePerGiB ?? PRICE_PER_GIB,
      o.pricePerMinute ?? PRICE_PER_MINUTE,
      o.maxSessions ?? 10,
      o.stake ?? DVPN(10_000),
    ]),
  );
}

export interface SessionOptions {
  signer?: Address;
  deposit?: bigint;
  maxPricePerGiB?: bigint;
  maxPricePerMinute?: bigint;
  wgPublicKey?: Hex;
}

/** Opens a session from `client` to `provider` (default deposit 10 mUSD) and returns its id. */
export async function openSession(f: Fixture, client: Wallet, provider: Address, o: SessionOptions = {}) {
  const { escrow } = f.as(client);
  const receipt = await f.mined(
    escrow.write.openSession([
      provider,
      o.wgPublicKey ?? CLIENT_WG_KEY,
      o.signer ?? "0x0000000000000000000000000000000000000000",
      o.deposit ?? USD(10),
      o.maxPricePerGiB ?? MAX_UINT96,
      o.maxPricePerMinute ?? MAX_UINT96,
    ]),
  );
  const opened = eventsOf(sessionEscrowAbi, f.escrow.address, receipt).find((e) => e.eventName === "SessionOpened");
  assert.ok(opened, "SessionOpened not emitted");
  return { sessionId: opened.args.sessionId as bigint, receipt };
}

/** Opens and accepts a session; returns its id. */
export async function activeSession(
  f: Fixture,
  client: Wallet,
  provider: Wallet,
  o: SessionOptions = {},
): Promise<bigint> {
  const { sessionId } = await openSession(f, client, provider.account.address, o);
  await f.mined(f.as(provider).escrow.write.acceptSession([sessionId, "10.64.0.2/32"]));
  return sessionId;
}

/** The voucher domain of the fixture's escrow. */
export function domainOf(f: Fixture): UsageDomainParameters {
  return { chainId: f.deployment.chainId, escrow: f.escrow.address };
}

/** Signs a usage voucher with a local key, in the fixture's domain unless `domain` is given. */
export function signVoucher(
  f: Fixture,
  account: LocalAccount,
  sessionId: bigint,
  bytes: bigint,
  seconds: bigint,
  domain: UsageDomainParameters = domainOf(f),
): Promise<Hex> {
  // The session's terms come from the domain's escrow, or from the fixture's when the domain
  // names an address without one (a voucher for another escrow).
  return readVoucherTerms(f.publicClient, domain.escrow, sessionId)
    .catch(() => readVoucherTerms(f.publicClient, f.escrow.address, sessionId))
    .then((terms) => signUsageVoucher({ account, domain, voucher: { sessionId, terms, bytes, seconds } }));
}

/**
 * Signs an EIP-2612 permit by `owner` letting `spender` take `value` of `token` (whose ERC-20
 * name is the permit domain's name), split into the (v, r, s) the `*WithPermit` calls take.
 */
export async function signPermit(
  f: Fixture,
  owner: Wallet,
  token: { address: Address; name: string },
  permit: { spender: Address; value: bigint; nonce: bigint; deadline: bigint },
): Promise<{ v: number; r: Hex; s: Hex }> {
  const signature = await owner.signTypedData({
    domain: { name: token.name, version: "1", chainId: f.deployment.chainId, verifyingContract: token.address },
    types: PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner: owner.account.address, ...permit },
  });
  return {
    r: signature.slice(0, 66) as Hex,
    s: `0x${signature.slice(66, 130)}`,
    v: Number.parseInt(signature.slice(130, 132), 16),
  };
}

/** The latest block's timestamp. */
export async function now(f: Fixture): Promise<bigint> {
  return (await f.publicClient.getBlock()).timestamp;
}

export { DVPN, USD };

/** A small seeded PRNG (xorshift64*), so fuzzed tests replay exactly from their seed. */
export function createPrng(seed: bigint) {
  const MASK = (1n << 64n) - 1n;
  let state = (seed ^ 0x9e3779b97f4a7c15n) & MASK || 1n;
  function next64(): bigint {
    state ^= state >> 12n;
    state ^= (state << 25n) & MASK;
    state ^= state >> 27n;
    return (state * 0x2545f4914f6cdd1dn) & MASK;
  }
  return {
    /** A uniform integer in [0, 2^bits), for bits ≤ 256. */
    bits(bits: number): bigint {
      let v = 0n;
      for (let have = 0; have < bits; have += 64) v = (v << 64n) | next64();
      return v & ((1n << BigInt(bits)) - 1n);
    },
    /** A uniform integer in [0, n). */
    below(n: number): number {
      return Number(next64() % BigInt(n));
    },
    /** A uniform bigint in [lo, hi]. */
    between(lo: bigint, hi: bigint): bigint {
      return lo + (((next64() << 64n) | next64()) % (hi - lo + 1n));
    },
    pick<T>(items: readonly T[]): T {
      return items[this.below(items.length)]!;
    },
  };
}

/** One bounded governance parameter and the values its setter is tried with. */
export interface ParameterSetterCase {
  /** The setter, e.g. `setMinStake`. */
  fn: string;
  /** The getter and the `ParameterUpdated` name, e.g. `minStake`. */
  param: string;
  /** A value within the bounds. */
  ok: bigint;
  /** A value just below the lower bound (none when the lower bound is 0). */
  low?: bigint;
  /** A value just above the upper bound. */
  high: bigint;
  min: bigint;
  max: bigint;
  /** The deployed value, reported as `oldValue`. */
  old: bigint;
}

/**
 * Declares, per case, the three tests every governance setter of `target` gets: the timelock
 * sets the value within bounds (event and getter), values outside the bounds revert
 * `<prefix>ParameterOutOfBounds(name, value, min, max)`, and anyone else reverts
 * `<prefix>Unauthorized(caller)`. `setup` returns a fresh fixture and the non-timelock callers.
 */
export function itSetsBoundedParameters(opts: {
  target: "registry" | "escrow";
  cases: readonly ParameterSetterCase[];
  setup: () => Promise<{ f: Fixture; callers: Wallet[] }>;
}): void {
  const { abi, prefix } =
    opts.target === "registry"
      ? { abi: providerRegistryAbi as Abi, prefix: "Registry" }
      : { abi: sessionEscrowAbi as Abi, prefix: "Escrow" };
  const nameOf = (n: string): Hex => stringToHex(n, { size: 32 });
  const addressOf = (f: Fixture): Address => (opts.target === "registry" ? f.registry.address : f.escrow.address);
  for (const c of opts.cases) {
    it(`${c.fn}: the timelock sets ${c.param} within bounds and emits ParameterUpdated`, async () => {
      const { f } = await opts.setup();
      const receipt = await f.asTimelock((tl) => f.timelockWrite(tl, c.fn, [c.ok], opts.target));
      assertEvent(abi, addressOf(f), receipt, "ParameterUpdated", {
        name: nameOf(c.param),
        oldValue: c.old,
        newValue: c.ok,
      });
      const value = await f.publicClient.readContract({ address: addressOf(f), abi, functionName: c.param });
      assert.equal(BigInt(value as bigint | number), c.ok);
    });
    it(`${c.fn}: reverts ${prefix}ParameterOutOfBounds outside the bounds`, async () => {
      const { f } = await opts.setup();
      await f.asTimelock(async (tl) => {
        for (const v of [c.low, c.high]) {
          if (v === undefined) continue;
          await assertRevert(f.timelockWrite(tl, c.fn, [v], opts.target), `${prefix}ParameterOutOfBounds`, [
            nameOf(c.param),
            v,
            c.min,
            c.max,
          ]);
        }
      });
    });
    it(`${c.fn}: reverts ${prefix}Unauthorized for the deployer and users`, async () => {
      const { f, callers } = await opts.setup();
      for (const w of callers) {
        const call = w.writeContract({ address: addressOf(f), abi, functionName: c.fn, args: [c.ok] } as never);
        await assertRevert(call, `${prefix}Unauthorized`, [w.account.address]);
      }
    });
  }
}
