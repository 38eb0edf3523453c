import {
  encodeAbiParameters,
  hashTypedData,
  keccak256,
  recoverTypedDataAddress,
  isAddressEqual,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TypedDataDomain,
} from "viem";
import { sessionEscrowAbi } from "../abi/index.ts";

/** EIP-712 domain name of the SessionEscrow. */
export const USAGE_DOMAIN_NAME = "dvpn SessionEscrow";
/** EIP-712 domain version of the SessionEscrow. */
export const USAGE_DOMAIN_VERSION = "1";

/**
 * EIP-712 types of a usage voucher:
 * `Usage(uint256 sessionId,bytes32 terms,uint64 bytes,uint64 seconds)`, where `terms` is
 * {@link hashVoucherTerms} of the session as its signer saw it.
 */
export const usageTypes = {
  Usage: [
    { name: "sessionId", type: "uint256" },
    { name: "terms", type: "bytes32" },
    { name: "bytes", type: "uint64" },
    { name: "seconds", type: "uint64" },
  ],
} as const;

/**
 * A cumulative usage voucher: total bytes and seconds served in a session so far, bound to the
 * session's terms ({@link hashVoucherTerms}): a voucher is valid only for the session its signer
 * saw, not for another session a reorganisation put under the same id.
 */
export interface UsageVoucher {
  sessionId: bigint;
  /** {@link hashVoucherTerms} of the session (`SessionEscrow.termsOf`). */
  terms: Hex;
  bytes: bigint;
  seconds: bigint;
}

/** What a voucher is bound to: the session's provider, deposit and prices. */
export interface VoucherTerms {
  provider: Address;
  deposit: bigint;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
}

/**
 * The terms hash a voucher carries; equals `SessionEscrow.termsOf(sessionId)`:
 * keccak256(abi.encode(provider, deposit, pricePerGiB, pricePerMinute)).
 * @returns the 32-byte hash.
 * @example hashVoucherTerms({ provider, deposit: 5_000_000n, pricePerGiB: 50_000n, pricePerMinute: 1_000n })
 */
export function hashVoucherTerms(terms: VoucherTerms): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address" }, { type: "uint96" }, { type: "uint96" }, { type: "uint96" }],
      [terms.provider, terms.deposit, terms.pricePerGiB, terms.pricePerMinute],
    ),
  );
}

/** Where a voucher is valid: one chain, one escrow contract. */
export interface UsageDomainParameters {
  chainId: number;
  escrow: Address;
}

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * The EIP-712 domain of the escrow at `escrow` on `chainId`.
 * @example usageDomain({ chainId: 31337, escrow: "0x5FbD…" })
 * @returns the domain for viem's signTypedData/hashTypedData.
 */
export function usageDomain({ chainId, escrow }: UsageDomainParameters): TypedDataDomain {
  return { name: USAGE_DOMAIN_NAME, version: USAGE_DOMAIN_VERSION, chainId, verifyingContract: escrow };
}

/**
 * Throws a RangeError unless the voucher's fields fit their Solidity types.
 * @param voucher the voucher to check.
 * @returns nothing; throws a RangeError on an out-of-range field.
 * @example assertVoucherRange({ sessionId: 1n, terms, bytes: 0n, seconds: 60n })
 */
export function assertVoucherRange(voucher: UsageVoucher): void {
  if (voucher.sessionId <= 0n || voucher.sessionId >= 1n << 256n)
    throw new RangeError(`sessionId out of range: ${voucher.sessionId}`);
  if (voucher.bytes < 0n || voucher.bytes > MAX_UINT64)
    throw new RangeError(`bytes out of uint64 range: ${voucher.bytes}`);
  if (voucher.seconds < 0n || voucher.seconds > MAX_UINT64)
    throw new RangeError(`seconds out of uint64 range: ${voucher.seconds}`);
  if (!/^0x[0-9a-fA-F]{64}$/.test(voucher.terms ?? ""))
    throw new RangeError(`terms is not a 32-byte hash: ${String(voucher.terms)}`);
}

/**
 * The digest the session signer signs; equals `SessionEscrow.usageDigest`.
 * @example hashUsageVoucher({ chainId, escrow }, { sessionId: 1n, terms, bytes: 1024n, seconds: 60n })
 * @returns the 32-byte EIP-712 digest.
 */
export function hashUsageVoucher(domain: UsageDomainParameters, voucher: UsageVoucher): Hex {
  assertVoucherRange(voucher);
  return hashTypedData({ domain: usageDomain(domain), types: usageTypes, primaryType: "Usage", message: voucher });
}

/**
 * Signs a usage voucher with the session signer's local account (the ephemeral key; the
 * client's wallet stays cold).
 * @returns the 65-byte signature the escrow's `claim` accepts.
 * @example const sig = await signUsageVoucher({ account: privateKeyToAccount(k), domain, voucher })
 */
export async function signUsageVoucher(params: {
  account: LocalAccount;
  domain: UsageDomainParameters;
  voucher: UsageVoucher;
}): Promise<Hex> {
  assertVoucherRange(params.voucher);
  return params.account.signTypedData({
    domain: usageDomain(params.domain),
    types: usageTypes,
    primaryType: "Usage",
    message: params.voucher,
  });
}

/**
 * Recovers the EOA that signed a voucher, or `undefined` for a signature the escrow's ECDSA check
 * (OpenZeppelin `ECDSA.tryRecover`) refuses: not 65 bytes, `v` other than 27 or 28, or high `s`
 * (malleable).
 * @returns the signer's address, or undefined.
 * @example const who = await recoverUsageSigner({ domain, voucher, signature })
 */
export async function recoverUsageSigner(params: {
  domain: UsageDomainParameters;
  voucher: UsageVoucher;
  signature: Hex;
}): Promise<Address | undefined> {
  const { signature } = params;
  if (!/^0x[0-9a-fA-F]{128}(1[bB]|1[cC])$/.test(signature)) return undefined;
  // secp256k1n / 2: the escrow (OpenZeppelin ECDSA) refuses any s above it.
  const s = BigInt("0x" + signature.slice(66, 130));
  if (s > 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n) return undefined;
  try {
    assertVoucherRange(params.voucher);
    return await recoverTypedDataAddress({
      domain: usageDomain(params.domain),
      types: usageTypes,
      primaryType: "Usage",
      message: params.voucher,
      signature,
    });
  } catch {
    return undefined;
  }
}

/**
 * Asks contract account `signer` whether it accepts `signature` for `hash` (ERC-1271); see
 * {@link isValidErc1271Signature} for the check on a viem client.
 */
export type Erc1271Check = (signer: Address, hash: Hex, signature: Hex) => Promise<boolean>;

/**
 * Whether the escrow accepts `signature` as `signer`'s for `voucher`, decided as
 * `SessionEscrow` decides: an ECDSA signature by the signer's key counts whatever code the
 * account has (an EOA that delegated under EIP-7702 included); only when it does not match is the
 * account asked under ERC-1271 (contract wallets, and delegated EOAs through their delegate's
 * code). Without `erc1271` only the ECDSA check runs.
 * @returns true when the escrow would accept the signature.
 * @example
 * const ok = await verifyUsageVoucher({ domain, voucher, signature, signer: session.signer,
 *   erc1271: (signer, hash, sig) => isValidErc1271Signature(publicClient, { signer, hash, signature: sig, caller: escrow }) });
 */
export async function verifyUsageVoucher(params: {
  domain: UsageDomainParameters;
  voucher: UsageVoucher;
  signature: Hex;
  signer: Address;
  erc1271?: Erc1271Check;
}): Promise<boolean> {
  const recovered = await recoverUsageSigner(params);
  if (recovered !== undefined && isAddressEqual(recovered, params.signer)) return true;
  if (!params.erc1271) return false;
  let hash: Hex;
  try {
    hash = hashUsageVoucher(params.domain, params.voucher);
  } catch {
    return false;
  }
  return params.erc1271(params.signer, hash, params.signature);
}

/** The prices and deposit a session was opened with. */
export interface SessionTerms {
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  deposit: bigint;
}

/**
 * What usage costs in a session, exactly as `SessionEscrow` computes it:
 * `bytes × pricePerGiB / 2^30 + seconds × pricePerMinute / 60` (each term rounded down),
 * capped at the deposit.
 * @example priceUsage({ pricePerGiB: 50_000n, pricePerMinute: 100n, deposit: 10_000_000n }, { bytes: 1n << 30n, seconds: 60n }) // 50_100n
 * @returns the cost in the payment token's smallest unit.
 */
export function priceUsage(terms: SessionTerms, usage: { bytes: bigint; seconds: bigint }): bigint {
  const cost = (usage.bytes * terms.pricePerGiB) / (1n << 30n) + (usage.seconds * terms.pricePerMinute) / 60n;
  return cost < terms.deposit ? cost : terms.deposit;
}

/**
 * The protocol fee of a session that has paid `amount` in all at `feeBps`, rounded down like the
 * escrow. A claim's fee is `protocolFee(total) − protocolFee(previous total)` ({@link claimFee}), so the fee is
 * rounded once, on the session's total; it accrues for the treasury when the session settles.
 * @returns the fee.
 * @example protocolFee(10_000n, 250) // 250n
 */
export function protocolFee(amount: bigint, feeBps: number | bigint): bigint {
  return (amount * BigInt(feeBps)) / 10_000n;
}

/**
 * The fee of one claim that takes a session's payments from `paidBefore` to `paidAfter` in all, at
 * `feeBps`: its share of the session's {@link protocolFee}, which the escrow rounds once, on the
 * total (the `fee` of its UsageClaimed event).
 * @returns the claim's fee.
 * @example claimFee(0n, 10_001n, 250) + claimFee(10_001n, 20_002n, 250) // 500n, the fee of 20_002n
 */
export function claimFee(paidBefore: bigint, paidAfter: bigint, feeBps: number | bigint): bigint {
  return protocolFee(paidAfter, feeBps) - protocolFee(paidBefore, feeBps);
}

/**
 * Reads the terms hash vouchers of `sessionId` carry from the escrow (`SessionEscrow.termsOf`).
 * A client should prefer {@link hashVoucherTerms} of the terms it saw when it opened.
 * @returns the 32-byte hash.
 * @example const terms = await readVoucherTerms(publicClient, escrow, 1n)
 */
export async function readVoucherTerms(
  publicClient: { readContract: PublicClient["readContract"] },
  escrow: Address,
  sessionId: bigint,
): Promise<Hex> {
  return publicClient.readContract({
    address: escrow,
    abi: sessionEscrowAbi,
    functionName: "termsOf",
    args: [sessionId],
  });
}
