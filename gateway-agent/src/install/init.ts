/**
 * `dvpn provider init`: writes what a provider host needs to run the agent as a service: the
 * provider's EVM key and the WireGuard key (mode 0600; existing keys are kept and tightened),
 * a validated `agent.json` (firewall on, exit policy defaults) and the systemd unit. Nothing
 * is registered on-chain here: the result says which `dvpn provider register` to run.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { validateConfig } from "../config/load.ts";
import { readDeploymentFile } from "../config/deployment.ts";
import { ConfigError } from "../errors.ts";
import { ensureKeyFile } from "../wireguard/keyfile.ts";
import { renderUnit } from "./unit.ts";

/** Parameters of {@link initProvider}. */
export interface InitParams {
  /** Folder for the keys and agent.json (e.g. /etc/dvpn). */
  dir: string;
  /** The agent's data folder (e.g. /var/lib/dvpn-agent). */
  dataDir: string;
  /** Where the unit file goes (e.g. /etc/systemd/system). */
  unitDir: string;
  rpcUrl: string;
  /** The deployment record (`deployments/<chainId>.json`). */
  deployment: string;
  /** Other agent options (validated with the rest), e.g. `{ uplink: "eth0", peerRateLimitMbit: 100 }`. */
  options?: Record<string, unknown>;
  /** Overwrite an existing agent.json and unit (keys are never overwritten). */
  force?: boolean;
  /** Node binary and repository root for ExecStart (default: this process' Node and this checkout). */
  node?: string;
  root?: string;
}

/** What {@link initProvider} wrote. */
export interface InitResult {
  provider: `0x${string}`;
  wgPublicKey: string;
  providerKeyCreated: boolean;
  wgKeyCreated: boolean;
  files: { providerKey: string; wgKey: string; config: string; unit: string };
}

function ensureProviderKey(path: string): { key: `0x${string}`; created: boolean } {
  if (!existsSync(path)) {
    writeFileSync(path, `${generatePrivateKey()}\n`, { mode: 0o600, flag: "wx" });
    return { key: readFileSync(path, "utf8").trim() as `0x${string}`, created: true };
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const raw = readFileSync(path, "utf8")
    .trim()
    .replace(/^(?!0x)/, "0x");
  if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) throw new ConfigError(`${path} does not hold a 32-byte hex key`);
  return { key: raw as `0x${string}`, created: false };
}

/**
 * Writes the keys, the configuration and the unit.
 * @throws ConfigError on a bad option (named), an unreadable deployment, or an existing
 *   agent.json / unit without `force`.
 */
export function initProvider(p: InitParams): InitResult {
  const dir = resolve(p.dir);
  const root = resolve(p.root ?? join(import.meta.dirname, "../../.."));
  const deployment = resolve(p.deployment);
  readDeploymentFile(deployment, "--deployment");
  const files = {
    providerKey: join(dir, "provider.key"),
    wgKey: join(dir, "wg.key"),
    config: join(dir, "agent.json"),
    unit: join(resolve(p.unitDir), "dvpn-agent.service"),
  };
  const config = validateConfig({
    rpcUrl: p.rpcUrl,
    deployment,
    privateKeyFile: files.providerKey,
    wgPrivateKeyFile: files.wgKey,
    dataDir: resolve(p.dataDir),
    firewall: true,
    ...p.options,
  });
  for (const f of [files.config, files.unit])
    if (existsSync(f) && !p.force) throw new ConfigError(`${f} exists; pass --force to overwrite it (keys are kept)`);

  mkdirSync(dir, { recursive: true, mode: 0o750 });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(resolve(p.unitDir), { recursive: true });
  const pk = ensureProviderKey(files.providerKey);
  const wg = ensureKeyFile(files.wgKey);
  const written = {
    rpcUrl: p.rpcUrl,
    deployment,
    privateKeyFile: files.providerKey,
    wgPrivateKeyFile: files.wgKey,
    dataDir: config.dataDir,
    firewall: true,
    ...p.options,
  };
  writeFileSync(files.config, `${JSON.stringify(written, null, 2)}\n`, { mode: 0o640 });
  const unit = renderUnit({
    node: p.node ?? process.execPath,
    main: join(root, "gateway-agent/src/main.ts"),
    config: files.config,
    dataDir: config.dataDir,
    iface: config.interface,
    docs: join(root, "docs/operators.md"),
  });
  writeFileSync(files.unit, unit, { mode: 0o644 });
  return {
    provider: privateKeyToAccount(pk.key).address,
    wgPublicKey: wg.publicKey,
    providerKeyCreated: pk.created,
    wgKeyCreated: wg.created,
    files,
  };
}
