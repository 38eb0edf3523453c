/**
 * Lockdown: the kill switch kept between connections. Set by `dvpn connect --up --lockdown`, kept
 * in `lockdown.json` beside the connection state (0600); while it is there every `connect --up`
 * runs in lockdown, the end of a run and `dvpn disconnect` leave the kill switch on (only the
 * JSON-RPC endpoint and the last provider's WireGuard port are let out), and only `dvpn unlock`
 * lifts it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { enableKillSwitch, KILL_SWITCH_TABLE, killSwitchActive, type AllowedFlow } from "./killSwitch.ts";

const lockdownSchema = z.object({ table: z.string(), since: z.number() });

/** What the lockdown file holds. */
export type Lockdown = z.infer<typeof lockdownSchema>;

/**
 * The lockdown file: beside the connection state.
 * @param statePath the connection state file.
 * @returns its path.
 */
export const lockdownPath = (statePath: string) => join(dirname(statePath), "lockdown.json");

/**
 * Reads the lockdown, or undefined when it is off.
 * @param statePath the connection state file.
 * @returns the lockdown.
 */
export function readLockdown(statePath: string): Lockdown | undefined {
  let text: string;
  try {
    text = readFileSync(lockdownPath(statePath), "utf8");
  } catch {
    return undefined;
  }
  const parsed = lockdownSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${lockdownPath(statePath)} is not a dvpn lockdown file; remove it`);
  return parsed.data;
}

/**
 * Turns lockdown on (keeps an earlier start time).
 * @param statePath the connection state file.
 * @param table the kill switch's table.
 */
export function setLockdown(statePath: string, table: string): void {
  const since = readLockdown(statePath)?.since ?? Date.now();
  mkdirSync(dirname(statePath), { recursive: true, mode: 0o700 });
  writeFileSync(lockdownPath(statePath), JSON.stringify({ table, since }) + "\n", { mode: 0o600 });
}

/** Turns lockdown off. @param statePath the connection state file. */
export function clearLockdown(statePath: string): void {
  rmSync(lockdownPath(statePath), { force: true });
}

/** The nftables calls of {@link startLockdown} (replaced only in unit tests). */
export interface LockdownSwitch {
  active(): Promise<boolean>;
  enable(p: { iface: string; allow: AllowedFlow[] }): Promise<string>;
}

/**
 * Lockdown at the start of `connect --up` (one or two hops), before any money moves: recorded in
 * the lockdown file, and its kill switch closed again when it is gone (the machine rebooted).
 * @param statePath the connection state file.
 * @param allow the flows let out with no tunnel yet (the chain's JSON-RPC, the feed).
 * @param progress where the re-enabled switch is said.
 * @param nft the nftables calls.
 * @returns the kill switch's table when it was enabled here, else undefined.
 */
export async function startLockdown(
  statePath: string,
  allow: () => Promise<AllowedFlow[]>,
  progress: (line: string) => void,
  nft: LockdownSwitch = { active: killSwitchActive, enable: enableKillSwitch },
): Promise<string | undefined> {
  setLockdown(statePath, KILL_SWITCH_TABLE);
  if (await nft.active()) return undefined;
  const table = await nft.enable({ iface: "lo", allow: await allow() });
  progress("lockdown: the kill switch was gone (a reboot?) and is on again");
  return table;
}
