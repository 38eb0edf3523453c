/** The DNS forwarder an agent configuration asks for (undefined when `dns` is off). */
import type { Logger } from "pino";
import { gatewayOf, inPool, type PoolLayout } from "../addresses/pool.ts";
import type { AgentConfig } from "../config/schema.ts";
import type { Metrics } from "../http/metrics.ts";
import { createDnsForwarder, type DnsForwarder } from "./forwarder.ts";
import { upstreamsOf } from "./upstreams.ts";

/** The port clients' resolvers ask on. */
export const DNS_PORT = 53;

/**
 * Creates the forwarder for `config`: on the gateway's IPv4 and IPv6 addresses, port 53, for
 * clients inside the pools, to `dnsUpstream` or the host's resolvers.
 * @param config the agent's configuration.
 * @param layout the pools.
 * @param log where it logs.
 * @param metrics where it counts (`dvpn_agent_dns_queries_total{result}`).
 * @returns the forwarder, or undefined when `config.dns` is false.
 */
export function dnsFromConfig(
  config: AgentConfig,
  layout: PoolLayout,
  log: Logger,
  metrics: Metrics,
): DnsForwarder | undefined {
  if (!config.dns) return undefined;
  const gateway = gatewayOf(layout);
  const listenOn = [gateway.ipv4, ...(gateway.ipv6 ? [gateway.ipv6] : [])];
  const upstreams = upstreamsOf({ configured: config.dnsUpstream, exclude: listenOn });
  if (upstreams.length === 0) {
    log.error("no DNS upstream (dnsUpstream is empty and /etc/resolv.conf names none): clients get SERVFAIL");
  }
  log.info({ upstreams: upstreams.map((u) => `${u.host}:${u.port}`) }, "DNS forwarder upstreams");
  return createDnsForwarder({
    listen: listenOn.map((host) => ({ host, port: DNS_PORT })),
    upstreams,
    allow: (address) => inPool(layout, address),
    timeoutMs: config.dnsTimeoutMs,
    log,
    onQuery: (result) => metrics.inc("dvpn_agent_dns_queries_total", { result }),
  });
}
