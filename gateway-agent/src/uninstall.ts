/**
 * `npm run agent -- uninstall [--config agent.json …]`: removes what the agent installed on the
 * host: its nftables table and its WireGuard interface (stopping wireguard-go). The data
 * folder (store with unclaimed vouchers, keys) is left for the operator to back up or delete.
 * Forwarding sysctls are left as they are (other software may rely on them).
 */
import { join, resolve } from "node:path";
import pino from "pino";
import { gatewayOf, parsePool } from "./addresses/pool.ts";
import type { AgentConfig } from "./config/schema.ts";
import { createFirewall } from "./firewall/nftables.ts";
import { exitPolicyOf } from "./firewall/fromConfig.ts";
import { createSystemBackend } from "./wireguard/system.ts";

/** Removes the table and the interface of the agent configured by `config`; returns what was removed. */
export async function uninstall(config: AgentConfig): Promise<string[]> {
  const log = pino({ level: config.logLevel, base: { svc: "gateway-agent" } });
  const layout = parsePool(config.ipv4Pool, config.ipv6Pool || null);
  const gateway = gatewayOf(layout);
  const firewall = createFirewall({
    iface: config.interface,
    pool4: config.ipv4Pool,
    ...(config.netns ? { netns: config.netns } : {}),
    policy: exitPolicyOf(config),
    rateLimitMbit: 0,
    maxConnections: 0,
    log,
  });
  await firewall.remove();
  const dataDir = resolve(config.dataDir);
  const backend = createSystemBackend({
    iface: config.interface,
    privateKeyFile: resolve(config.wgPrivateKeyFile ?? join(dataDir, "wg.key")),
    listenPort: config.wgListenPort,
    addresses: [gateway.v4Cidr, ...(gateway.v6Cidr ? [gateway.v6Cidr] : [])],
    prefer: config.backend,
    wireguardGo: config.wireguardGo,
    runDir: dataDir,
    ...(config.netns ? { netns: config.netns } : {}),
    log,
  });
  await backend.destroy();
  return [`nftables table inet ${firewall.table}`, `interface ${config.interface}`];
}
