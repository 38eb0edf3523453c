/**
 * The interface's private key file: created (0600) with a fresh X25519 key when missing, never
 * read into argv or logs; only its public key leaves this module.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError } from "../errors.ts";
import { isWgKey } from "./keys.ts";

const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** The base64 public key of a base64 X25519 private key. */
export function publicKeyOf(privateKeyBase64: string): string {
  const der = Buffer.concat([PKCS8_X25519_PREFIX, Buffer.from(privateKeyBase64, "base64")]);
  const jwk = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" })).export({ format: "jwk" });
  return Buffer.from(String(jwk.x), "base64url").toString("base64");
}

/**
 * Ensures `path` holds a WireGuard private key with mode 0600 and returns the public key.
 * @returns `created` when a new key was generated (register its public key in the registry).
 */
export function ensureKeyFile(path: string): { publicKey: string; created: boolean; tightened: boolean } {
  let created = false;
  let tightened = false;
  try {
    statSync(path);
  } catch {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const jwk = generateKeyPairSync("x25519").privateKey.export({ format: "jwk" });
    writeFileSync(path, `${Buffer.from(String(jwk.d), "base64url").toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    created = true;
  }
  if ((statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    tightened = true;
  }
  const key = readFileSync(path, "utf8").trim();
  if (!isWgKey(key)) throw new ConfigError(`wgPrivateKeyFile ${path} does not hold a base64 WireGuard key`);
  return { publicKey: publicKeyOf(key), created, tightened };
}
