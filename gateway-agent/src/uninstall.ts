/**
 * `npm run agent -- uninstall [--config agent.json …]`: removes what the agent installed on the
 * host: its nftables table, its WireGuard interface (stopping wireguard-go) and its transport
 * server (v2ray), if any. The data
 * folder (store with unclaimed vouchers, keys) is left for the operator to back up or delete.
 * Forwarding sysctls are left as they are (other software may rely on them).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import pino from "pino";
import { gatewayOf, parsePool } from "./addresses/pool.ts";
import { LEGACY_POOLS } from "./addresses/derivePool.ts";
import type { AgentConfig } from "./config/schema.ts";
import { createFirewall } from "./firewall/nftables.ts";
import { exitPolicyOf } from "./firewall/fromConfig.ts";
import { createSystemBackend } from "./wireguard/system.ts";
import { transportFiles } from "./transport/credentials.ts";
import { createTransportServer } from "./transport/server.ts";

/** Removes the table and the interface of the agent configured by `config`; returns what was removed. */
export async function uninstall(config: AgentConfig): Promise<string[]> {
  const log = pino({ level: config.logLevel, base: { svc: "gateway-agent" } });
  // Removing the table and the interface goes by their names; the pools only fill the parameters
  // (no need for the provider's key, nor to open the store).
  const pools = {
    ipv4Pool: config.ipv4Pool ?? LEGACY_POOLS.ipv4Pool,
    ipv6Pool: config.ipv6Pool ?? LEGACY_POOLS.ipv6Pool,
  };
  const layout = parsePool(pools.ipv4Pool, pools.ipv6Pool || null);
  const gateway = gatewayOf(layout);
  const firewall = createFirewall({
    iface: config.interface,
    pool4: pools.ipv4Pool,
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
  const removed = [`nftables table inet ${firewall.table}`, `interface ${config.interface}`];
  const transport = transportFiles(dataDir);
  if (existsSync(transport.pid)) {
    // The transport server (v2ray) stops; its credentials stay with the data folder.
    createTransportServer({
      dataDir,
      credentials: { certificateFile: "", keyFile: "", clientId: "", certSha256: "0x", created: false },
      port: config.transportPort,
      wgPort: config.wgListenPort,
      v2ray: config.v2ray,
      log,
    }).destroy();
    removed.push("transport server (v2ray)");
  }
  return removed;
}
