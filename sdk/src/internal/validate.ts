/**
 * Input checks run before any transaction is sent. Each throws an {@link InvalidInputError}
 * naming the argument and how to fix it.
 */
import { getAddress, isAddress, stringToHex, type Address, type Hex } from "viem";
import { InvalidInputError } from "../errors/input.ts";
import { wgKeyToBytes32 } from "../wireguard/keys.ts";

const encoder = new TextEncoder();
const utf8Length = (s: string) => encoder.encode(s).length;

/** Largest values of the Solidity integer types the contracts take. */
export const MAX_UINT = {
  32: (1n << 32n) - 1n,
  40: (1n << 40n) - 1n,
  64: (1n << 64n) - 1n,
  96: (1n << 96n) - 1n,
  128: (1n << 128n) - 1n,
  256: (1n << 256n) - 1n,
} as const;

/** Checks an address (checksum verified when mixed-case) and returns it checksummed. */
export function checkAddress(value: unknown, field: string): Address {
  if (typeof value !== "string" || !isAddress(value)) {
    throw new InvalidInputError({
      field,
      value,
      reason: "must be a 0x-prefixed 20-byte address with a valid checksum",
    });
  }
  return getAddress(value);
}

/** Checks an unsigned integer amount that fits `uint<bits>`; `min` defaults to 0. */
export function checkUint(value: unknown, field: string, bits: keyof typeof MAX_UINT, min = 0n): bigint {
  let n: bigint;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && /^\d+$/.test(value)) n = BigInt(value);
  else throw new InvalidInputError({ field, value, reason: "must be a non-negative integer (bigint)" });
  if (n < min) throw new InvalidInputError({ field, value: n, reason: `must be at least ${min}` });
  if (n > MAX_UINT[bits]) throw new InvalidInputError({ field, value: n, reason: `must fit in uint${bits}` });
  return n;
}

/** Checks a session id (≥ 1). */
export function checkSessionId(value: unknown): bigint {
  return checkUint(value, "sessionId", 256, 1n);
}

/** Checks an ISO 3166-1 alpha-2 region ("DE"; lower case accepted) and returns it as `bytes2`. */
export function checkRegion(value: unknown, field = "region"): Hex {
  if (typeof value !== "string" || !/^[A-Za-z]{2}$/.test(value)) {
    throw new InvalidInputError({ field, value, reason: "must be an ISO 3166-1 alpha-2 code such as DE" });
  }
  return stringToHex(value.toUpperCase(), { size: 2 });
}

/** Checks a WireGuard public key (base64 or bytes32 hex) and returns it as `bytes32`. */
export function checkWgKey(value: unknown, field = "wgPublicKey"): Hex {
  return wgKeyToBytes32(value as string, field);
}

/** Checks a WireGuard endpoint "host:port" (3–255 bytes, port 1–65535, IPv6 hosts in brackets). */
export function checkEndpoint(value: unknown, field = "endpoint"): string {
  const reason = 'must be "host:port" (3-255 bytes, port 1-65535), e.g. "vpn.example.org:51820"';
  if (typeof value !== "string") throw new InvalidInputError({ field, value, reason });
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const bytes = utf8Length(value);
  if (!m || bytes < 3 || bytes > 255 || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new InvalidInputError({ field, value, reason });
  }
  return value;
}

/** Checks a non-empty string of at most `max` bytes. */
export function checkText(value: unknown, field: string, max: number): string {
  if (typeof value !== "string" || value.length === 0 || utf8Length(value) > max) {
    throw new InvalidInputError({ field, value, reason: `must be a non-empty string of at most ${max} bytes` });
  }
  return value;
}
