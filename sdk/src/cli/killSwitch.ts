/**
 * The client's kill switch: one nftables table the client owns (`inet dvpn_client`) whose output
 * chain drops everything except loopback, the tunnel interface, the WireGuard flow to the
 * provider's endpoint and the chain's JSON-RPC endpoint (so the session can still be closed while
 * the tunnel is down). With two hops the tunnel is the exit's, and the entry's interface (`outer`)
 * carries only the flows given for it: the exit's WireGuard flow and the entry's voucher API. Nothing to port 53 (DNS, UDP or TCP) leaves outside the tunnel, whatever the
 * flows: a flow on port 53 is refused. IPv4 and IPv6 alike (one `inet` table). It stays when the
 * client is killed; only `dvpn disconnect` or a clean end of `dvpn connect` removes it (and, in
 * lockdown, only `dvpn unlock`). Every `nft` call is an argument array; the ruleset goes on stdin and
 * is built only from validated addresses, ports and interface names.
 */
import { execFile } from "node:child_process";
import { isIP } from "node:net";
import { promisify } from "node:util";
import { DvpnError } from "../errors/base.ts";
import { isInterfaceName } from "../wireguard/interfaceName.ts";

const run = promisify(execFile);

const DNS_PORT = 53;

/** The kill switch's table name. */
export const KILL_SWITCH_TABLE = "dvpn_client";

/** An `nft` call failed. */
export class KillSwitchError extends DvpnError {
  override name = "KillSwitchError";
}

/** A destination allowed outside the tunnel. */
export interface AllowedFlow {
  address: string;
  port: number;
  protocol: "udp" | "tcp";
}

/**
 * The nftables ruleset of the kill switch (replaces any previous one atomically).
 * @param p the table, the tunnel interface and the flows allowed outside it.
 * @returns the text for `nft -f -`.
 * @example killSwitchRuleset({ table: "dvpn_client", iface: "dvpn1", allow: [{ address: "203.0.113.5", port: 51820, protocol: "udp" }] })
 */
export function killSwitchRuleset(p: {
  table: string;
  iface: string;
  allow: AllowedFlow[];
  /** An outer tunnel (two hops' entry) that may carry only these flows (the exit's endpoint, the entry's gateway). */
  outer?: { iface: string; allow: AllowedFlow[] };
}): string {
  if (!/^[a-z_][a-z0-9_]{0,31}$/.test(p.table)) throw new KillSwitchError(`bad table name ${p.table}`);
  if (!isInterfaceName(p.iface)) throw new KillSwitchError(`bad interface ${p.iface}`);
  if (p.outer && !isInterfaceName(p.outer.iface)) throw new KillSwitchError(`bad interface ${p.outer.iface}`);
  const rule = (f: AllowedFlow, oif?: string) => {
    const family = isIP(f.address);
    if (family === 0) throw new KillSwitchError(`not an IP address: ${f.address}`);
    if (!Number.isInteger(f.port) || f.port < 1 || f.port > 65535) throw new KillSwitchError(`bad port ${f.port}`);
    if (f.port === DNS_PORT) {
      throw new KillSwitchError(
        `${f.address} port 53 would have to be let out beside the tunnel, and nothing on port 53 may leave outside it`,
      );
    }
    return `    ${oif ? `oifname "${oif}" ` : ""}${family === 4 ? "ip" : "ip6"} daddr ${f.address} ${f.protocol} dport ${f.port} accept`;
  };
  const rules = p.allow.map((f) => rule(f));
  const outer = p.outer ? p.outer.allow.map((f) => rule(f, p.outer!.iface)) : [];
  return [
    `add table inet ${p.table}`,
    `delete table inet ${p.table}`,
    `table inet ${p.table} {`,
    "  chain output {",
    "    type filter hook output priority 0; policy drop;",
    '    oifname "lo" accept',
    `    oifname "${p.iface}" accept`,
    `    meta l4proto { tcp, udp } th dport ${DNS_PORT} drop`,
    ...outer,
    ...rules,
    "  }",
    "}",
    "",
  ].join("\n");
}

async function nft(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("nft", args, (err, stdout, stderr) =>
      err
        ? reject(
            new KillSwitchError(`nft ${args.join(" ")} failed: ${stderr.trim().split("\n").at(-1) || err.message}`),
          )
        : resolve(stdout),
    );
    // nft may exit before reading its (empty) stdin: the EPIPE that follows is not an error.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input ?? "");
  });
}

/**
 * Turns the kill switch on (or replaces its rules).
 * @param p the tunnel interface and the flows allowed outside it.
 * @returns the table name.
 */
export async function enableKillSwitch(p: {
  iface: string;
  allow: AllowedFlow[];
  outer?: { iface: string; allow: AllowedFlow[] };
}): Promise<string> {
  await nft(["-f", "-"], killSwitchRuleset({ table: KILL_SWITCH_TABLE, ...p }));
  return KILL_SWITCH_TABLE;
}

/**
 * Removes the kill switch's table (nothing else); no error when it is already gone.
 * @param table the table name.
 */
export async function disableKillSwitch(table = KILL_SWITCH_TABLE): Promise<void> {
  if (await killSwitchActive(table)) await nft(["delete", "table", "inet", table]);
}

/**
 * Whether the kill switch's table exists.
 * @param table the table name.
 * @returns true when it is loaded.
 */
export async function killSwitchActive(table = KILL_SWITCH_TABLE): Promise<boolean> {
  try {
    await run("nft", ["list", "table", "inet", table]);
    return true;
  } catch {
    return false;
  }
}
