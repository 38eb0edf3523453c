/**
 * Which resolver a `dvpn connect` run gives its tunnel, and putting the old one back. The default
 * in a full tunnel is the provider's own resolver on the tunnel gateway (the agent serves DNS
 * there), so queries go through the tunnel and nowhere else; a split tunnel leaves DNS alone
 * unless asked (`--dns gateway`, which also routes the gateway through the tunnel).
 */
import { ipVersion } from "../wireguard/config.ts";
import { ipv4ToInt } from "../wireguard/ipv4.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";
import { resolverBackupPath, restoreResolver } from "./resolvConf.ts";

/**
 * The resolvers a run uses.
 * @param p the `--dns` values (`gateway`, `none` or addresses), whether the tunnel is split, and the gateway.
 * @returns the resolvers' addresses (empty: DNS untouched).
 * @throws UsageError on a value that is none of those.
 * @example tunnelResolvers({ dns: undefined, split: false, gateway: "10.77.0.1" }) // ["10.77.0.1"]
 */
export function tunnelResolvers(p: {
  dns: string[] | undefined;
  split: boolean;
  gateway: string | undefined;
}): string[] {
  const asked = (p.dns ?? [p.split ? "none" : "gateway"]).flatMap((d) => d.split(",")).map((d) => d.trim());
  if (asked.includes("none")) return [];
  return asked.flatMap((d) => {
    if (d === "gateway") return p.gateway ? [p.gateway] : [];
    if (!ipVersion(d)) throw new UsageError(`--dns ${d}: give an IP address, \`gateway\` or \`none\``);
    return [d];
  });
}

/**
 * The allowed IPs with each IPv4 resolver routed through the tunnel (its /32 added when no
 * range covers it), so a split tunnel never sends its queries outside.
 * @param allowedIPs the tunnel's ranges.
 * @param resolvers the resolvers.
 * @returns the ranges to use.
 */
export function routeResolvers(allowedIPs: readonly string[], resolvers: readonly string[]): string[] {
  const out = [...allowedIPs];
  for (const r of resolvers) {
    const covered = out.some((cidr) => {
      const [net, bits] = cidr.trim().split("/");
      if (ipVersion(r) !== 4 || !net || ipVersion(net) !== 4) return ipVersion(r) === 6 && cidr.trim() === "::/0";
      const size = 2 ** (32 - Number(bits ?? 32));
      return Math.floor(ipv4ToInt(r) / size) === Math.floor(ipv4ToInt(net) / size);
    });
    if (!covered) out.push(ipVersion(r) === 4 ? `${r}/32` : `${r}/128`);
  }
  return out;
}

/**
 * Puts back the resolver file `connect --up` changed, saying so.
 * @param ctx the CLI context.
 * @param statePath the connection state file (the old resolver is kept beside it).
 */
export function putResolverBack(ctx: CliContext, statePath: string): void {
  try {
    const r = restoreResolver(resolverBackupPath(statePath));
    if (r) {
      ctx.out.progress(
        `DNS: ${r.path} put back as it was${r.changedMeanwhile ? " (it had been changed by something else meanwhile)" : ""}`,
      );
    }
  } catch (err) {
    ctx.out.progress(
      `DNS: could not put the resolver back (${(err as Error).message}); the old file is in ${resolverBackupPath(statePath)}`,
    );
  }
}
