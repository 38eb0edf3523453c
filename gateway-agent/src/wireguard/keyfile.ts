/**
 * The interface's private key file: created (0600) with a fresh X25519 key when missing, never
 * read into argv or logs; only its public key leaves this module. The key itself comes from the
 * SDK's one key module.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { generateWgKeyPair, isWgKey, wgPublicKeyOf } from "../../../sdk/src/wireguard/keys.ts";
import { ConfigError } from "../errors.ts";

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
    writeFileSync(path, `${generateWgKeyPair().privateKey}\n`, { mode: 0o600, flag: "wx" });
    created = true;
  }
  if ((statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    tightened = true;
  }
  const key = readFileSync(path, "utf8").trim();
  if (!isWgKey(key)) throw new ConfigError(`wgPrivateKeyFile ${path} does not hold a base64 WireGuard key`);
  return { publicKey: wgPublicKeyOf(key), created, tightened };
}
