/** The wg-quick config of a connection's leg, as `dvpn connect --up` writes it for one hop or two. */
import type { TunnelLeg } from "../tunnel/createVpnConnection.ts";
import { renderWgQuickConfig, type WgQuickConfigParameters } from "../wireguard/config.ts";

/** What differs between the tunnels `dvpn connect --up` brings up. */
export type LegConfigOptions = Partial<Pick<WgQuickConfigParameters, "endpoint" | "allowedIPs" | "mtu" | "fwMark">>;

/**
 * Renders a leg's wg-quick config with {@link renderWgQuickConfig}: the leg's fresh key, the tunnel
 * addresses its provider gave, the provider's key and endpoint, a 25 s keepalive and no DNS line
 * (`dvpn connect --up` points the resolver file itself, without resolvconf).
 * @param leg the accepted leg.
 * @param options the endpoint (default the provider's), the routes (default everything), MTU and firewall mark.
 * @returns the file's text (write it with mode 0600: it holds the private key).
 * @example writeFileSync(path, renderLegConfig(leg, { mtu: 1340 }), { mode: 0o600 })
 */
export function renderLegConfig(leg: TunnelLeg, options: LegConfigOptions = {}): string {
  return renderWgQuickConfig({
    privateKey: leg.keys.privateKey,
    address: leg.tunnel.addresses,
    dns: [],
    peerPublicKey: leg.provider.wgPublicKeyBase64,
    endpoint: leg.provider.endpoint,
    persistentKeepalive: 25,
    ...options,
  });
}
