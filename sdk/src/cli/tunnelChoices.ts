/**
 * What a `dvpn connect` run routes and guards, checked before any money moves: the tunnel's
 * ranges (a split tunnel only with `--split`) and lockdown (asked for, or still on from an earlier
 * run, and then only with the kill switch).
 */
import { UsageError } from "./errors.ts";
import { readLockdown } from "./lockdown.ts";

/** The choices, validated. */
export interface TunnelChoices {
  allowedIPs: string[];
  /** Not everything goes through the tunnel (no kill switch). */
  split: boolean;
  /** The kill switch stays after the connection, until `dvpn unlock`. */
  lockdown: boolean;
}

/**
 * Validates the routing and guard options of `connect`.
 * @param o the options.
 * @param statePath the connection state file (lockdown is kept beside it).
 * @returns the choices.
 * @throws UsageError on a split tunnel without `--split`, `--split` without ranges, or lockdown without the kill switch.
 */
export function tunnelChoices(
  o: { allowedIps?: string[]; split?: boolean; lockdown?: boolean; up?: boolean; noKillSwitch?: boolean },
  statePath: string,
): TunnelChoices {
  const allowedIPs = o.allowedIps?.flatMap((a) => a.split(",")).map((a) => a.trim()) ?? ["0.0.0.0/0", "::/0"];
  const split = !allowedIPs.includes("0.0.0.0/0");
  if (split && !o.split) {
    throw new UsageError(
      `--allowed-ips ${allowedIPs.join(",")} is a split tunnel: everything else, IPv6 and DNS included, would leave outside it; add --split to mean that`,
    );
  }
  if (o.split && !split) {
    throw new UsageError("--split needs --allowed-ips <cidr> without 0.0.0.0/0: what goes through the tunnel");
  }
  if (o.lockdown && !o.up) throw new UsageError("--lockdown goes with --up (it keeps the kill switch of a connection)");
  const lockdown = Boolean(o.up) && (Boolean(o.lockdown) || readLockdown(statePath) !== undefined);
  if (lockdown && (split || o.noKillSwitch)) {
    throw new UsageError(
      `${o.lockdown ? "--lockdown" : "lockdown is on (`dvpn unlock` lifts it) and"} needs the kill switch: no --split, no --no-kill-switch`,
    );
  }
  return { allowedIPs, split, lockdown };
}
