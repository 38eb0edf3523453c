/**
 * Loads the configuration: flags > environment > JSON file > defaults, then validates it once
 * with {@link configSchema}. Errors name the option, where it came from and how to fix it.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import { configSchema, type AgentConfig } from "./schema.ts";

const KEYS = Object.keys(configSchema.shape) as string[];

/** `rpcUrl` → `rpc-url`. */
export const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** `rpcUrl` → `DVPN_AGENT_RPC_URL`. */
export const envName = (key: string) => `DVPN_AGENT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** The `--help` text: every option as a flag and as its environment variable. */
export function usage(): string {
  const rows = KEYS.map((k) => `  --${flagName(k)} <value>`.padEnd(36) + envName(k));
  return [
    "usage: npm run agent -- [--config agent.json] [--option value ...]",
    "       npm run agent -- uninstall [--config agent.json]   (removes the agent's nftables table and interface)",
    "Options: flags > DVPN_AGENT_* environment > JSON config file > defaults (gateway-agent/README.md).",
    "",
    ...rows,
    "",
  ].join("\n");
}

/** Parses `--key value` and `--key=value` flags; `--config` picks the file. */
export function parseFlags(argv: string[]): { values: Record<string, string>; config?: string } {
  const values: Record<string, string> = {};
  let config: string | undefined;
  const byFlag = new Map(KEYS.map((k) => [flagName(k), k]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)} (options look like --rpc-url URL)`);
    const name = m[1] ?? "";
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new ConfigError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (name === "config") {
      config = value;
      continue;
    }
    const key = byFlag.get(name);
    if (!key) throw new ConfigError(`unknown option --${name} (see gateway-agent/README.md)`);
    values[key] = value;
  }
  return config === undefined ? { values } : { values, config };
}

/**
 * Builds and validates the configuration.
 * @throws ConfigError listing every bad option.
 * @example loadConfig({ argv: process.argv.slice(2), env: process.env })
 */
export function loadConfig(params: { argv?: string[]; env?: NodeJS.ProcessEnv; overrides?: object }): AgentConfig {
  const env = params.env ?? {};
  const flags = parseFlags(params.argv ?? []);
  const file = flags.config ?? env.DVPN_AGENT_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    if (typeof fromFile !== "object" || fromFile === null || Array.isArray(fromFile)) {
      throw new ConfigError(`config file ${file} must hold a JSON object`);
    }
  }
  const fromEnv: Record<string, string> = {};
  for (const key of KEYS) {
    const v = env[envName(key)];
    if (v !== undefined && v !== "") fromEnv[key] = v;
  }
  return validateConfig({ ...fromFile, ...fromEnv, ...params.overrides, ...flags.values });
}

/** Validates an already-merged configuration object (in-process use). */
export function validateConfig(input: unknown): AgentConfig {
  const r = configSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const key = i.path.join(".") || "(config)";
    const hint = typeof i.path[0] === "string" ? ` (flag --${flagName(i.path[0])}, env ${envName(i.path[0])})` : "";
    return `  ${key}: ${i.message}${hint}`;
  });
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
}
