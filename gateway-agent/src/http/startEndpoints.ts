/**
 * The agent's listening side: the voucher API (on the tunnel gateway or a given address), the
 * DNS forwarder for clients (a failure is logged, not fatal) and the operator's /metrics and
 * /healthz port.
 */
import type { Server } from "node:http";
import { meteredUsage, type AgentContext } from "../context.ts";
import type { DnsForwarder } from "../dns/forwarder.ts";
import { publishedExitPolicy } from "../firewall/fromConfig.ts";
import type { Firewall } from "../firewall/nftables.ts";
import { lagToleranceOf } from "../payment/policy.ts";
import { createVoucherServer } from "../payment/server.ts";
import { createAdminServer, type AdminServerParams } from "./adminServer.ts";
import { listen } from "./listen.ts";

/** Where the endpoints listen. */
export interface EndpointUrls {
  vouchers?: string;
  metrics?: string;
  dns?: string[];
}

/** Parameters of {@link startEndpoints}. */
export interface EndpointsParams {
  ctx: AgentContext;
  /** The tunnel gateway's addresses (`gateway:` in `voucherListen`; clients see their sessions from their tunnel address). */
  gateway: { ipv4: string; ipv6: string | null };
  dns: DnsForwarder | undefined;
  firewall: Firewall | undefined;
  /** The agent's health verdict for /healthz. */
  health: AdminServerParams["health"];
}

/** The running endpoints. */
export interface Endpoints {
  urls: EndpointUrls;
  /** Closes the HTTP servers (open connections too) and stops the DNS forwarder. */
  close(): Promise<void>;
}

/** Starts the voucher API, the DNS forwarder and the operator's port. */
export async function startEndpoints({ ctx, gateway, dns, firewall, health }: EndpointsParams): Promise<Endpoints> {
  const { config, store, chain, log, metrics, now } = ctx;
  const localAddresses = new Set(["127.0.0.1", "::1", gateway.ipv4, ...(gateway.ipv6 ? [gateway.ipv6] : [])]);
  const servers: Server[] = [];
  const urls: EndpointUrls = {};
  const close = async () => {
    await Promise.all(servers.map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())))));
    await dns?.stop();
    metrics.set("dvpn_agent_dns_up", 0);
  };
  try {
    const voucherWhere = config.voucherListen.replace(/^gateway:/, `${gateway.ipv4}:`);
    const voucherServer = createVoucherServer({
      store,
      domain: { chainId: chain.chainId, escrow: chain.escrow },
      provider: chain.provider,
      metered: (s) => meteredUsage(s, now()),
      tolerance: lagToleranceOf(config),
      log: log.child({ part: "vouchers" }),
      onRefused: (reason) => metrics.inc("dvpn_agent_vouchers_refused_total", { reason }),
      onAccepted: () => metrics.inc("dvpn_agent_vouchers_accepted_total"),
      maxConnectionsPerSource: config.voucherMaxConnectionsPerSource,
      maxConnections: config.voucherMaxConnections,
      verifyContract: (signer, hash, signature) => chain.isValidErc1271Signature(signer, hash, signature),
      // A client sees its own session only (from its tunnel address); the operator from this host.
      mayView: (s, remote) =>
        localAddresses.has(remote) || s.allowedIps.some((cidr) => cidr.slice(0, cidr.indexOf("/")) === remote),
    });
    servers.push(voucherServer);
    urls.vouchers = await listen(voucherServer, voucherWhere);
    if (dns) {
      // Clients' resolver; without it the tunnel and payment still work, so a failure is logged, not fatal.
      try {
        urls.dns = (await dns.start()).map((b) => `${b.host.includes(":") ? `[${b.host}]` : b.host}:${b.port}`);
        metrics.set("dvpn_agent_dns_up", 1);
      } catch (err) {
        metrics.set("dvpn_agent_dns_up", 0);
        log.error({ err: (err as Error).message }, "DNS forwarder not started: clients get no resolver on the gateway");
      }
    }
    if (config.metricsListen) {
      const m = createAdminServer({
        metrics,
        store,
        now,
        health,
        policy: () => ({
          firewall: firewall !== undefined,
          ...(firewall ? { nftTable: firewall.table } : {}),
          exitPolicy: publishedExitPolicy(config),
          peerRateLimitMbit: config.peerRateLimitMbit,
          peerMaxConnections: config.peerMaxConnections,
        }),
      });
      servers.push(m);
      urls.metrics = await listen(m, config.metricsListen);
    }
  } catch (err) {
    // Nothing half-started stays open: what listened closes before the error goes up.
    await close().catch(() => undefined);
    throw err;
  }
  return { urls, close };
}
