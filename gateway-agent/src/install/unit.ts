/**
 * The systemd unit of the gateway agent, rendered from paths. Sandboxed: the agent keeps only
 * CAP_NET_ADMIN (interfaces, peers, nftables, forwarding sysctls), sees the file system
 * read-only except its data folder and /run/wireguard, cannot gain privileges, load modules or
 * create namespaces. `KillMode=process`: stopping or restarting the agent leaves wireguard-go
 * (and so every peer) running; the next start adopts the interface.
 */

/** Paths and names the unit is built from (absolute paths). */
export interface UnitParams {
  /** The Node.js binary (≥ 22.13). */
  node: string;
  /** `gateway-agent/src/main.ts`. */
  main: string;
  /** The agent's JSON configuration. */
  config: string;
  dataDir: string;
  /** The WireGuard interface (for the description). */
  iface: string;
  /** The operator guide. */
  docs: string;
}

const quote = (p: string) => (/[\s"\\]/.test(p) ? JSON.stringify(p) : p);

/** The unit file's text (`dvpn-agent.service`). */
export function renderUnit(p: UnitParams): string {
  return `[Unit]
Description=dvpn gateway agent (${p.iface})
Documentation=file://${p.docs}
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${quote(p.node)} ${quote(p.main)} --config ${quote(p.config)}
Restart=on-failure
RestartSec=5
# wireguard-go is started detached and must outlive the agent: stopping or restarting the
# agent never takes the peers down (the next start adopts the interface).
KillMode=process
TimeoutStopSec=40
Environment=NODE_ENV=production

# Sandbox: only CAP_NET_ADMIN (and CAP_NET_BIND_SERVICE, for the transport's v2ray on port 443),
# read-only system, no new privileges.
CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE
AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths=${quote(p.dataDir)}
RuntimeDirectory=wireguard
RuntimeDirectoryPreserve=yes
PrivateTmp=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
DevicePolicy=closed
DeviceAllow=/dev/net/tun rw
UMask=0077

[Install]
WantedBy=multi-user.target
`;
}
