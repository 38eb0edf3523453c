/** The firewall an agent configuration asks for (undefined when `firewall` is off). */
import { parsePool, type PoolLayout } from "../addresses/pool.ts";
import type { AgentConfig, PooledAgentConfig } from "../config/schema.ts";
import type { Runner } from "../wireguard/exec.ts";
import { createFirewall, type Firewall, type FirewallParams } from "./nftables.ts";
import { formatExitPolicy, type ExitPolicy } from "./policy.ts";

/** The exit policy of a configuration. */
export function exitPolicyOf(config: AgentConfig): ExitPolicy {
  return {
    denyPorts: config.exitDenyPorts,
    allowPorts: config.exitAllowPorts,
    denyRanges: config.exitDenyRanges,
    allowRanges: config.exitAllowRanges,
  };
}

/** The published form of a configuration's exit policy (see {@link formatExitPolicy}). */
export const publishedExitPolicy = (config: AgentConfig) => formatExitPolicy(exitPolicyOf(config));

/**
 * Logs a warning when the policy published in the registry is not the one this configuration
 * enforces: clients and the feed would be told something else than what the exit does.
 * @returns whether they differ.
 */
export function warnIfUnpublished(
  published: string,
  config: AgentConfig,
  log: { warn(o: object, m: string): void },
): boolean {
  const enforced = publishedExitPolicy(config);
  if (published === enforced) return false;
  log.warn(
    { published, enforced, fix: `dvpn provider exit-policy --policy '${enforced}'` },
    "the exit policy published in the registry differs from the one this agent enforces",
  );
  return true;
}

/** Creates the firewall owner for `config`, or undefined when `config.firewall` is false. */
export function firewallFromConfig(
  config: PooledAgentConfig,
  log: FirewallParams["log"],
  run?: Runner,
  layout: PoolLayout = parsePool(config.ipv4Pool, config.ipv6Pool || null),
): Firewall | undefined {
  if (!config.firewall) return undefined;
  return createFirewall({
    iface: config.interface,
    pool4: config.ipv4Pool,
    ...(layout.v6Base !== null ? { pool6: config.ipv6Pool } : {}),
    ...(config.uplink ? { uplink: config.uplink } : {}),
    ...(config.netns ? { netns: config.netns } : {}),
    ...(run ? { run } : {}),
    policy: exitPolicyOf(config),
    rateLimitMbit: config.peerRateLimitMbit,
    maxConnections: config.peerMaxConnections,
    log,
  });
}
