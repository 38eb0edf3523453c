/**
 * `dvpn connect --up --transport`: how each provider's tunnel reaches it. `wireguard` sends
 * WireGuard's UDP straight to the provider; `v2ray` carries it over the provider's obfuscated
 * transport (VLESS over WebSocket and TLS, its offer read from the registry); `auto` (the default)
 * tries plain WireGuard and falls back to the transport when no handshake comes within the bound.
 */
import type { DvpnClient } from "../client/createDvpnClient.ts";
import { DvpnError } from "../errors/base.ts";
import type { TunnelLeg } from "../tunnel/createVpnConnection.ts";
import type { TransportOffer } from "../transport/offer.ts";
import { startTransportClient, type TransportClient } from "../transport/startTransportClient.ts";

/** The `--transport` values. */
export const TRANSPORT_MODES = ["auto", "wireguard", "v2ray"] as const;
/** A `--transport` value. */
export type TransportMode = (typeof TRANSPORT_MODES)[number];

/**
 * The firewall mark of a tunnel carried by a transport: wg-quick's `FwMark` and routing table, and
 * the mark on the transport's sockets, so that its TCP connection goes around a full tunnel.
 */
export const TRANSPORT_FWMARK = 51820;
/** The tunnel's MTU over a transport (its endpoint is on loopback, whose MTU wg-quick would take). */
export const TRANSPORT_MTU = 1420;

/** The transport of the leg being brought up, and its running client. */
export interface LegTransport {
  /**
   * The provider's offer when the mode may use it.
   * @throws {DvpnError} in `v2ray` mode when the provider offers none.
   */
  offerFor(leg: TunnelLeg): Promise<TransportOffer | undefined>;
  /** Starts the transport client for `leg` (stopping any other first). */
  start(leg: TunnelLeg, offer: TransportOffer): Promise<TransportClient>;
  /** Stops the running client, if any. */
  stop(): Promise<void>;
}

/**
 * Creates the per-leg transport of a connection.
 * @param p the client (reads the offers), the mode and the v2ray binary.
 */
export function createLegTransport(p: { client: DvpnClient; mode: TransportMode; v2ray?: string }): LegTransport {
  let running: TransportClient | undefined;
  const stop = async () => {
    const r = running;
    running = undefined;
    await r?.stop();
  };
  return {
    async offerFor(leg) {
      if (p.mode === "wireguard") return undefined;
      const offer = await p.client.getTransport({ provider: leg.provider.address });
      if (!offer && p.mode === "v2ray")
        throw new DvpnError(
          `provider ${leg.provider.address} offers no obfuscated transport (--transport v2ray); pick one with \`dvpn providers --transport v2ray\``,
        );
      return offer;
    },
    async start(leg, offer) {
      await stop();
      running = await startTransportClient({
        offer,
        endpoint: leg.provider.endpoint,
        mark: TRANSPORT_FWMARK,
        ...(p.v2ray ? { v2ray: p.v2ray } : {}),
      });
      return running;
    },
    stop,
  };
}
