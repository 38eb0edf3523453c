import { x25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { InvalidInputError } from "../errors/input.ts";

/** A WireGuard key pair in WireGuard's own notation (base64 of the 32 raw bytes). */
export interface WgKeyPair {
  /** Base64 private key, for the `PrivateKey =` line. Keep it secret. */
  privateKey: string;
  /** Base64 public key, for the provider's peer entry and `openSession`. */
  publicKey: string;
}

// The last character before `=` carries 4 bits of the key and 2 zero bits: only canonical encodings pass.
const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const ZERO_KEY = `${"A".repeat(43)}=`;

/**
 * Creates a fresh x25519 (WireGuard) key pair.
 * @returns the base64 private and public keys.
 * @example const { privateKey, publicKey } = generateWgKeyPair()
 */
export function generateWgKeyPair(): WgKeyPair {
  const secret = x25519.utils.randomSecretKey();
  return { privateKey: bytesToBase64(secret), publicKey: bytesToBase64(x25519.getPublicKey(secret)) };
}

/**
 * The public key of a base64 WireGuard private key (what `wg pubkey` prints).
 * @param privateKey base64, 32 bytes.
 * @returns the base64 public key.
 * @example wgPublicKeyOf("yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=")
 */
export function wgPublicKeyOf(privateKey: string): string {
  return bytesToBase64(x25519.getPublicKey(wgKeyToBytes(privateKey, "privateKey")));
}

/**
 * Decodes a base64 WireGuard key to its 32 raw bytes, rejecting anything else.
 * @param key base64 key (44 characters ending in `=`).
 * @param field name used in the error.
 * @returns the 32 bytes.
 * @throws {InvalidInputError} when the key is not base64 of exactly 32 bytes.
 * @example wgKeyToBytes(keys.publicKey).length // 32
 */
export function wgKeyToBytes(key: string, field = "wgPublicKey"): Uint8Array {
  if (typeof key !== "string" || !BASE64_KEY.test(key)) {
    throw new InvalidInputError({
      field,
      value: field === "privateKey" ? "<hidden>" : key,
      reason: "must be a base64 WireGuard key of exactly 32 bytes (44 characters ending in '=')",
    });
  }
  return base64ToBytes(key);
}

/**
 * Converts a base64 WireGuard public key to the `bytes32` the contracts store.
 * Also accepts a 0x-prefixed 32-byte hex string (returned as is, lower-cased). A zero key is rejected.
 * @param key base64 or bytes32 hex.
 * @returns the key as bytes32 hex.
 * @throws {InvalidInputError} for anything that is not exactly 32 non-zero bytes.
 * @example wgKeyToBytes32("HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=") // "0x1c8828f7…"
 */
export function wgKeyToBytes32(key: string, field = "wgPublicKey"): Hex {
  let hex: Hex;
  if (typeof key === "string" && /^0x[0-9a-fA-F]{64}$/.test(key)) hex = key.toLowerCase() as Hex;
  else hex = bytesToHex(wgKeyToBytes(key, field));
  if (/^0x0{64}$/.test(hex)) throw new InvalidInputError({ field, value: key, reason: "the key is all zeros" });
  return hex;
}

/**
 * Converts a `bytes32` key read from the contracts to WireGuard's base64 notation. A zero
 * bytes32 is "no key" (an unregistered provider, a forged event), never a peer key: it is refused.
 * @param value 0x-prefixed 32-byte hex.
 * @returns base64 key.
 * @throws {InvalidInputError} when `value` is not 32 bytes of hex or is all zeros.
 * @example bytes32ToWgKey(provider.wgPublicKey) // "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
 */
export function bytes32ToWgKey(value: string): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new InvalidInputError({
      field: "bytes32 key",
      value,
      reason: "must be 32 bytes: 0x followed by 64 hex digits",
    });
  }
  if (/^0x0{64}$/.test(value))
    throw new InvalidInputError({ field: "bytes32 key", value, reason: "the key is all zeros" });
  return bytesToBase64(hexToBytes(value as Hex));
}

/**
 * Whether a value is a usable WireGuard key: canonical base64 of 32 bytes that are not all
 * zero. Safe to pass as one `wg` argument (no spaces, no leading `-`, no newline).
 * @param key the candidate.
 * @returns true when {@link wgKeyToBytes32} would accept it.
 * @example isWgKey("HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=") // true
 */
export function isWgKey(key: unknown): key is string {
  return typeof key === "string" && BASE64_KEY.test(key) && key !== ZERO_KEY;
}

// atob/btoa exist in browsers and Node alike, so the SDK's main entry needs no Node built-ins.
function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
