/**
 * The few `wg` / `wg-quick` calls a client needs (Node only). Every call is an argument array
 * (never a shell string); the parsing is the pure {@link parseDump}.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { DvpnError } from "../errors/base.ts";
import { parseDump, type DumpPeer } from "../wireguard/dump.ts";

const run = promisify(execFile);

/** A `wg`/`wg-quick` call failed. */
export class WireGuardCommandError extends DvpnError {
  override name = "WireGuardCommandError";
}

/**
 * Reads one peer's counters from the interface.
 * @param iface the WireGuard interface.
 * @param peerPublicKey the peer's base64 key.
 * @returns its line of the dump (counters `rx`, `tx`), or undefined when the peer is not on the interface.
 * @throws {WireGuardCommandError} when `wg` fails or prints a malformed dump.
 * @example const c = await readPeerCounters("dvpn1", providerKey); const bytes = c ? c.rx + c.tx : 0n
 */
export async function readPeerCounters(iface: string, peerPublicKey: string): Promise<DumpPeer | undefined> {
  try {
    const { stdout } = await run("wg", ["show", iface, "dump"]);
    return parseDump(stdout).peers.get(peerPublicKey);
  } catch (err) {
    throw new WireGuardCommandError(`wg show ${iface} dump failed`, { cause: err });
  }
}

/**
 * `wg-quick up|down <config file>`.
 * @param action up or down.
 * @param configPath the config file (its base name is the interface name).
 * @returns when wg-quick exited successfully.
 * @example await wgQuick("up", "/etc/wireguard/dvpn1.conf")
 */
export async function wgQuick(action: "up" | "down", configPath: string): Promise<void> {
  try {
    await run("wg-quick", [action, configPath], {
      env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: "1" },
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim().split("\n").at(-1);
    throw new WireGuardCommandError(`wg-quick ${action} ${configPath} failed${stderr ? `: ${stderr}` : ""}`, {
      cause: err,
    });
  }
}

/**
 * The interface name wg-quick derives from a config path (its base name without `.conf`).
 * @param configPath the config file.
 * @returns the interface name.
 * @example interfaceOf("/etc/wireguard/dvpn1.conf") // "dvpn1"
 */
export function interfaceOf(configPath: string): string {
  return (configPath.split("/").pop() ?? "").replace(/\.conf$/, "");
}
