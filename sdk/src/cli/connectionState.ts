/**
 * The state of `dvpn connect --up`, kept in a file (mode 0600, folder 0700) while it runs, so
 * `dvpn status` can report and `dvpn disconnect` can close a connection whose process was
 * killed. Holds no key: the tunnel's private key stays in its config file (0600), and the session
 * is closed with the wallet's key (two hops' exit paid by another account: with `--exit-key-file`).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { DvpnClient } from "../client/createDvpnClient.ts";
import type { TunnelLeg } from "../tunnel/vpnConnectionTypes.ts";

const decimal = z.string().regex(/^\d{1,78}$/);

/** What the file holds. */
export const connectionStateSchema = z.object({
  /** The `dvpn connect` process. */
  pid: z.number().int().positive(),
  /** Its start time (/proc/<pid>/stat field 22), so a reused pid is not taken for it. */
  pidStart: z.string().optional(),
  chainId: z.number().int().positive(),
  escrow: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  sessionId: decimal,
  provider: z.string(),
  endpoint: z.string(),
  /** The provider's WireGuard key (base64). */
  providerKey: z.string(),
  config: z.string(),
  iface: z.string(),
  gateway: z.string(),
  deposit: decimal,
  pricePerGiB: decimal,
  pricePerMinute: decimal,
  /** When the provider accepted (ms since the epoch). */
  acceptedAt: z.number(),
  /** The obfuscated transport's client (v2ray), when the tunnel goes over it. */
  transportPid: z.number().int().positive().optional(),
  /** The kill switch's nftables table, when one is set. */
  killSwitch: z.string().optional(),
  /** The resolver file pointed at the tunnel's DNS, when it was (its old self is kept beside this file). */
  resolver: z.string().optional(),
  /** Lockdown: the kill switch stays after the connection, until `dvpn unlock`. */
  lockdown: z.boolean().optional(),
  /** Two hops: the entry's session and config (the fields above are then the exit's). */
  entry: z.object({ sessionId: decimal, provider: z.string(), config: z.string() }).optional(),
  /** Two hops: the account paying the exit's session when it is not the wallet (`--exit-key-file`). */
  exitPayer: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
});

/** The connection's state. */
export type ConnectionState = z.infer<typeof connectionStateSchema>;

/**
 * The state file's path: `$DVPN_STATE_DIR/connection.json`, default `~/.dvpn/connection.json`.
 * @param env the environment.
 * @returns the path.
 */
export function connectionStatePath(env: NodeJS.ProcessEnv): string {
  return join(env.DVPN_STATE_DIR ?? join(env.HOME ?? homedir(), ".dvpn"), "connection.json");
}

/**
 * Writes the state (0600, its folder 0700).
 * @param path the file.
 * @param state the state.
 */
export function writeConnectionState(path: string, state: ConnectionState): void {
  const dir = path.slice(0, path.lastIndexOf("/"));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Written beside and renamed: a crash mid-write never leaves a file `disconnect` cannot read.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * Reads the state, or undefined when there is none.
 * @param path the file.
 * @returns the state.
 * @throws an Error naming the file when it is not a connection state.
 */
export function readConnectionState(path: string): ConnectionState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const parsed = connectionStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path} is not a dvpn connection state; remove it`);
  return parsed.data;
}

/** Removes the state file. @param path the file. */
export function removeConnectionState(path: string): void {
  rmSync(path, { force: true });
}

/**
 * What the state file says of `leg` and of this process (both the one-hop and the two-hop run
 * write it; each adds its own fields after these).
 * @param client the client that pays `leg`'s session (its chain and escrow).
 * @param leg the tunnel leg the file is about.
 * @param where its wg-quick config file and interface.
 */
export function legState(
  client: DvpnClient,
  leg: TunnelLeg,
  where: { config: string; iface: string },
): ConnectionState {
  const start = processStart(process.pid);
  return {
    pid: process.pid,
    ...(start !== undefined ? { pidStart: start } : {}),
    chainId: client.chain.id,
    escrow: client.deployment.contracts.SessionEscrow.address,
    sessionId: String(leg.sessionId),
    provider: leg.provider.address,
    endpoint: leg.provider.endpoint,
    providerKey: leg.provider.wgPublicKeyBase64,
    config: where.config,
    iface: where.iface,
    gateway: leg.tunnel.gateway,
    deposit: String(leg.opened.deposit),
    pricePerGiB: String(leg.opened.pricePerGiB),
    pricePerMinute: String(leg.opened.pricePerMinute),
    acceptedAt: leg.acceptedAt,
  };
}

/**
 * A process's start time in clock ticks since boot (/proc/<pid>/stat field 22).
 * @param pid the process.
 * @returns the start time, or undefined where /proc does not have it.
 */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at field 3.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether a process is alive, and is the one that started at `start` when that is known.
 * @param pid the process.
 * @param start its recorded start time ({@link processStart}); a different one means a reused pid.
 * @returns true when it runs (or exists under another user).
 */
export function isAlive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (start === undefined) return true;
  const now = processStart(pid);
  return now === undefined || now === start;
}
