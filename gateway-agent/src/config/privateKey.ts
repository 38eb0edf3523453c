/** The provider's EVM private key: from the config or its file (never logged). */
import { readFileSync, statSync } from "node:fs";
import type { Hex } from "viem";
import { ConfigError } from "../errors.ts";
import type { AgentConfig } from "./schema.ts";

/**
 * The key from `privateKey`, else read from `privateKeyFile` (a warning when the file is
 * readable by group or others).
 * @throws ConfigError when the file cannot be read or does not hold a 32-byte hex key.
 */
export function loadPrivateKey(config: Pick<AgentConfig, "privateKey" | "privateKeyFile">): Hex {
  if (config.privateKey) return config.privateKey as Hex;
  const file = config.privateKeyFile ?? "";
  let key: string;
  try {
    key = readFileSync(file, "utf8").trim();
  } catch (err) {
    throw new ConfigError(`privateKeyFile ${file} cannot be read: ${(err as Error).message}`);
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    process.emitWarning(`privateKeyFile ${file} is readable by group or others; chmod 600 it`);
  }
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key))
    throw new ConfigError(`privateKeyFile ${file} does not hold a 32-byte hex key`);
  return (key.startsWith("0x") ? key : `0x${key}`) as Hex;
}
