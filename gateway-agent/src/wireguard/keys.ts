/**
 * WireGuard key encodings: the chain carries a peer key as bytes32, WireGuard tools as 44
 * characters of standard base64. Both are validated strictly before any use.
 */
import { WgArgumentError } from "../errors.ts";

const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** Whether `key` is a canonical base64 WireGuard key of 32 bytes that are not all zero. */
export function isWgKey(key: unknown): key is string {
  if (typeof key !== "string" || !BASE64_KEY.test(key)) return false;
  const raw = Buffer.from(key, "base64");
  return raw.length === 32 && raw.some((b) => b !== 0) && raw.toString("base64") === key;
}

/** Throws a {@link WgArgumentError} unless `key` passes {@link isWgKey}. */
export function assertWgKey(key: unknown): asserts key is string {
  if (!isWgKey(key)) throw new WgArgumentError("invalid WireGuard key (want 32 non-zero bytes in base64)");
}

/**
 * The base64 WireGuard key of a bytes32 value from the chain.
 * @throws WgArgumentError when the value is not 32 bytes or all zero.
 * @example bytes32ToWgKey("0x01…") // "AQ…="
 */
export function bytes32ToWgKey(value: string): string {
  if (!BYTES32.test(value)) throw new WgArgumentError("WireGuard key is not 32 bytes");
  const raw = Buffer.from(value.slice(2), "hex");
  if (!raw.some((b) => b !== 0)) throw new WgArgumentError("WireGuard key is all zero");
  return raw.toString("base64");
}

/** The bytes32 hex form of a base64 WireGuard key (for the registry). */
export function wgKeyToBytes32(key: string): `0x${string}` {
  assertWgKey(key);
  return `0x${Buffer.from(key, "base64").toString("hex")}`;
}
