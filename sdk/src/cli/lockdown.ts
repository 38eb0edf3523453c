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
