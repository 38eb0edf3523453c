/**
 * V2Ray configurations of the obfuscated transport, as pure functions (the code that runs
 * v2ray is apart): VLESS over WebSocket and TLS, carrying WireGuard's UDP.
 * - Server (the provider's agent): a VLESS inbound on TCP `port` that accepts one client id and
 *   sends everything, whatever the client names, to the local WireGuard port (`redirect`), so the
 *   server is never an open proxy; TCP is refused (blackhole).
 * - Client: a dokodemo-door UDP inbound on 127.0.0.1 (WireGuard's endpoint) forwarding through
 *   the VLESS outbound; its sockets carry `mark`, so a full tunnel's policy routing (wg-quick's
 *   fwmark) sends them around the tunnel, and the server's certificate is the only one trusted.
 */
import { transportPath } from "./offer.ts";

/** Parameters of {@link renderV2rayServerConfig}. */
export interface V2rayServerConfigParameters {
  /** Address to listen on (default all: "0.0.0.0"). */
  listen?: string;
  port: number;
  clientId: string;
  certificateFile: string;
  keyFile: string;
  /** The local WireGuard UDP port everything is forwarded to. */
  wgPort: number;
  /** v2ray's own log level (default "warning"; access logs are off). */
  logLevel?: "debug" | "info" | "warning" | "error" | "none";
}

/**
 * The server's config (JSON text for `v2ray -config`).
 * @param p port, client id, certificate and key files and the WireGuard port.
 */
export function renderV2rayServerConfig(p: V2rayServerConfigParameters): string {
  return JSON.stringify(
    {
      log: { loglevel: p.logLevel ?? "warning", access: "none" },
      inbounds: [
        {
          tag: "vless-in",
          listen: p.listen ?? "0.0.0.0",
          port: p.port,
          protocol: "vless",
          settings: { clients: [{ id: p.clientId }], decryption: "none" },
          streamSettings: {
            network: "ws",
            security: "tls",
            wsSettings: { path: transportPath(p.clientId) },
            tlsSettings: {
              alpn: ["http/1.1"],
              certificates: [{ certificateFile: p.certificateFile, keyFile: p.keyFile }],
            },
          },
        },
      ],
      outbounds: [
        { tag: "wireguard", protocol: "freedom", settings: { redirect: `127.0.0.1:${p.wgPort}` } },
        { tag: "refused", protocol: "blackhole", settings: {} },
      ],
      routing: { rules: [{ type: "field", network: "tcp", outboundTag: "refused" }] },
    },
    null,
    2,
  );
}

/** Parameters of {@link renderV2rayClientConfig}. */
export interface V2rayClientConfigParameters {
  /** The local UDP port WireGuard sends to (on 127.0.0.1). */
  localPort: number;
  /** The provider's host (its endpoint's host) and the transport's TCP port. */
  server: string;
  port: number;
  clientId: string;
  /** TLS server name (SNI); the pinned certificate's name. */
  serverName: string;
  /** The pinned server certificate (PEM file), the only one trusted. */
  certificateFile: string;
  /** Firewall mark on the transport's sockets (wg-quick's fwmark in a full tunnel); 0: none. */
  mark: number;
  /** The provider's WireGuard port (the server redirects there anyway). */
  wgPort: number;
  logLevel?: "debug" | "info" | "warning" | "error" | "none";
}

/**
 * The client's config (JSON text for `v2ray -config`).
 * @param p local port, server, client id, pinned certificate and socket mark.
 */
export function renderV2rayClientConfig(p: V2rayClientConfigParameters): string {
  return JSON.stringify(
    {
      log: { loglevel: p.logLevel ?? "warning", access: "none" },
      inbounds: [
        {
          tag: "wireguard-in",
          listen: "127.0.0.1",
          port: p.localPort,
          protocol: "dokodemo-door",
          settings: { address: "127.0.0.1", port: p.wgPort, network: "udp", timeout: 300 },
        },
      ],
      outbounds: [
        {
          tag: "vless-out",
          protocol: "vless",
          settings: {
            vnext: [{ address: p.server, port: p.port, users: [{ id: p.clientId, encryption: "none" }] }],
          },
          streamSettings: {
            network: "ws",
            security: "tls",
            wsSettings: { path: transportPath(p.clientId) },
            tlsSettings: {
              serverName: p.serverName,
              alpn: ["http/1.1"],
              disableSystemRoot: true,
              certificates: [{ usage: "verify", certificateFile: p.certificateFile }],
            },
            ...(p.mark ? { sockopt: { mark: p.mark } } : {}),
          },
        },
      ],
    },
    null,
    2,
  );
}
