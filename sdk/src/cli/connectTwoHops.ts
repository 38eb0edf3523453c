/**
 * `dvpn connect --up --hops 2`: the SDK's two-hop connection ({@link createTwoHopConnection}) with
 * two wg-quick tunnels, the kill switch and the state file. The entry tunnel carries only the
 * exit's endpoint (and the entry's own gateway, for its vouchers); the exit tunnel inside it is
 * the full tunnel, with a smaller MTU (1340: the entry's 80 bytes of WireGuard over IPv6 taken
 * twice from 1500). Both tunnels mark their own UDP packets with one firewall mark, so the full
 * tunnel's policy routing sends them by the main table: the entry's to its endpoint on the
 * physical link, the exit's to its endpoint through the entry (a /32 route), never in a loop.
 * The kill switch lets out only: UDP to the entry's endpoint and the chain's JSON-RPC on the
 * physical link, the exit's endpoint and the entry's voucher API inside the entry tunnel, and
 * anything inside the exit tunnel. DNS goes to the exit's gateway, through both tunnels.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { DvpnClient } from "../client/createDvpnClient.ts";
import { DvpnError } from "../errors/base.ts";
import type { TunnelLeg } from "../tunnel/createVpnConnection.ts";
import {
  createTwoHopConnection,
  type Hop,
  type TwoHopConnectionEnd,
  type TwoHopTunnelDriver,
} from "../tunnel/createTwoHopConnection.ts";
import type { ProviderChoice } from "../tunnel/nextProvider.ts";
import { TunnelConflictError } from "../tunnel/tunnelConflict.ts";
import { VOUCHER_API_PORT } from "../tunnel/voucherApi.ts";
import { interfaceOf, wgQuick } from "../tunnel/wgCommands.ts";
import { ipVersion } from "../wireguard/config.ts";
import {
  connectionStatePath,
  legState,
  readConnectionState,
  removeConnectionState,
  writeConnectionState,
  type ConnectionState,
} from "./connectionState.ts";
import type { CliContext } from "./context.ts";
import type { TokenInfo } from "./format.ts";
import { disableKillSwitch, enableKillSwitch, type AllowedFlow } from "./killSwitch.ts";
import { renderLegConfig } from "./legConfig.ts";
import { addressesOf, killSwitchFlows } from "./killSwitchFlows.ts";
import { startLockdown } from "./lockdown.ts";
import { connectionProgress, type RunOptions } from "./payTunnel.ts";
import { pointResolverAt, resolverBackupPath, resolverFile } from "./resolvConf.ts";
import { putResolverBack, tunnelResolvers } from "./tunnelDns.ts";
import { hopSessions, twoHopFailure } from "./twoHopFailure.ts";

const run = promisify(execFile);

/** The inner (exit) tunnel's MTU: 1500 − 2 × 80 bytes of WireGuard over IPv6. */
export const EXIT_MTU = 1340;
/** The firewall mark both tunnels put on their own UDP packets (and the exit's routing table). */
export const HOPS_FWMARK = 51821;

/** Options of {@link connectTwoHops}. */
export interface ConnectTwoHopsOptions extends RunOptions {
  entry: ProviderChoice;
  exit: ProviderChoice;
  sameRegion: boolean;
  deposit: bigint;
  /** Pays the exit's sessions (`--exit-key-file`); default the wallet. */
  exitClient?: DvpnClient;
  /** The exit's config file; the entry's is beside it with `e` appended to the name. */
  config?: string;
  dns?: string[];
  lockdown: boolean;
  killSwitch: boolean;
}

const hostOf = (endpoint: string) => endpoint.slice(0, endpoint.lastIndexOf(":"));
const portOf = (endpoint: string) => Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
const asHostRoute = (ip: string) => (ipVersion(ip) === 6 ? `${ip}/128` : `${ip}/32`);

/**
 * Runs the two-hop connection until Ctrl-C, a nearly used deposit, or a hop with no provider left.
 * @returns each hop's end (every session's money), the config paths and whether the kill switch stays.
 * @throws {DvpnError} when no pair qualifies (before any money moves) or a tunnel cannot come up (each
 *   session's money named; the state and the kill switch kept for `dvpn disconnect` while one may be open).
 */
export async function connectTwoHops(
  ctx: CliContext,
  client: DvpnClient,
  o: ConnectTwoHopsOptions,
  token: TokenInfo,
): Promise<TwoHopConnectionEnd & { configs: string[]; killSwitch: boolean }> {
  const statePath = connectionStatePath(ctx.env);
  const exitPath = resolve(o.config ?? "dvpn-exit.conf");
  const entryPath = join(dirname(exitPath), `${interfaceOf(basename(exitPath)).slice(0, 14)}e.conf`);
  const entryIface = interfaceOf(entryPath);
  const exitIface = interfaceOf(exitPath);
  let killSwitchTable: string | undefined;
  let exitAddresses: string[] = [];
  let state: ConnectionState | undefined;
  const physicalFlows = (entryEndpoint: string | undefined) =>
    killSwitchFlows(entryEndpoint, ctx.globals.rpc, ctx.globals.indexer ? [ctx.globals.indexer] : []);
  if (o.lockdown) killSwitchTable = await startLockdown(statePath, () => physicalFlows(undefined), ctx.out.progress);

  /** The kill switch for an entry (and the exit it carries, if any). */
  const guard = async (entry: TunnelLeg) => {
    if (!o.killSwitch) return;
    const physical = await physicalFlows(entry.provider.endpoint);
    const inside: AllowedFlow[] = [
      { address: entry.tunnel.gateway, port: VOUCHER_API_PORT, protocol: "tcp" },
      ...exitAddresses.map((address): AllowedFlow => ({ address, port: exitPort, protocol: "udp" })),
    ];
    killSwitchTable = await enableKillSwitch({
      iface: exitIface,
      allow: physical,
      outer: { iface: entryIface, allow: inside },
    });
  };
  let exitPort = 0;
  const saveState = (exit: TunnelLeg | undefined, entry: TunnelLeg) => {
    const leg = exit ?? entry;
    state = {
      ...legState(client, leg, { config: exit ? exitPath : entryPath, iface: exit ? exitIface : entryIface }),
      ...(exit
        ? { entry: { sessionId: String(entry.sessionId), provider: entry.provider.address, config: entryPath } }
        : {}),
      ...(exit && o.exitClient ? { exitPayer: o.exitClient.account!.address } : {}),
      ...(killSwitchTable ? { killSwitch: killSwitchTable } : {}),
      ...(state?.resolver ? { resolver: state.resolver } : {}),
      ...(o.lockdown ? { lockdown: true } : {}),
    };
    writeConnectionState(statePath, state);
  };
  let currentExit: TunnelLeg | undefined;

  const driver: TwoHopTunnelDriver = {
    async upEntry(leg, exit, previous) {
      await guard(leg);
      if (killSwitchTable) {
        ctx.out.progress(
          previous
            ? `kill switch swapped: the physical link lets out only ${leg.provider.endpoint} (no longer ${previous.provider.endpoint})`
            : `kill switch on: nftables table inet ${killSwitchTable} lets out only the entry's WireGuard flow, the exit's endpoint inside it, and the exit tunnel`,
        );
      }
      const text = renderLegConfig(leg, {
        // Only the exit's endpoint and this entry's own gateway (its vouchers) go through the entry.
        allowedIPs: [asHostRoute(leg.tunnel.gateway), ...(exit ? exitAddresses.map(asHostRoute) : [])],
        fwMark: HOPS_FWMARK,
      });
      writeFileSync(entryPath, text, { mode: 0o600 });
      saveState(currentExit, leg);
      await wgQuick("up", entryPath);
      return { iface: entryIface };
    },
    async downEntry() {
      await wgQuick("down", entryPath);
    },
    async upExit(leg, entry, previous) {
      const addresses = await addressesOf(hostOf(leg.provider.endpoint));
      const entryHost = await addressesOf(hostOf(entry.provider.endpoint));
      if (addresses.some((a) => entryHost.includes(a))) {
        // This exit cannot go through this entry; another exit can (the connection fails over).
        throw new TunnelConflictError(
          `the exit's endpoint ${leg.provider.endpoint} is the entry's host: its traffic cannot go through the entry`,
        );
      }
      const old = exitAddresses;
      exitAddresses = addresses;
      exitPort = portOf(leg.provider.endpoint);
      // The entry now carries this exit's endpoint instead of the previous one's.
      const allowed = [asHostRoute(entry.tunnel.gateway), ...addresses.map(asHostRoute)].join(",");
      await run("wg", ["set", entryIface, "peer", entry.provider.wgPublicKeyBase64, "allowed-ips", allowed]);
      for (const a of addresses) await run("ip", ["route", "replace", asHostRoute(a), "dev", entryIface]);
      for (const a of old.filter((x) => !addresses.includes(x))) {
        await run("ip", ["route", "del", asHostRoute(a), "dev", entryIface]).catch(() => undefined);
      }
      await guard(entry);
      if (previous)
        ctx.out.progress(
          `the entry now carries only ${leg.provider.endpoint} (no longer ${previous.provider.endpoint})`,
        );
      const resolvers = tunnelResolvers({ dns: o.dns, split: false, gateway: leg.tunnel.gateway });
      const text = renderLegConfig(leg, { mtu: EXIT_MTU, fwMark: HOPS_FWMARK });
      writeFileSync(exitPath, text, { mode: 0o600 });
      currentExit = leg;
      saveState(leg, entry);
      await wgQuick("up", exitPath);
      if (resolvers.length && state) {
        state.resolver = pointResolverAt({
          file: await resolverFile(ctx.env),
          servers: resolvers,
          backup: resolverBackupPath(statePath),
        });
        writeConnectionState(statePath, state);
        ctx.out.progress(`DNS: ${state.resolver} asks ${resolvers.join(", ")} at the exit, through both tunnels`);
      }
      return { iface: exitIface };
    },
    async downExit() {
      currentExit = undefined;
      await wgQuick("down", exitPath);
    },
  };
  const sessions = hopSessions();
  const hopCtx = (hop: Hop): CliContext => ({
    ...ctx,
    out: { ...ctx.out, progress: (l) => ctx.out.progress(`${hop}: ${l}`) },
  });
  const progress = {
    entry: connectionProgress(hopCtx("entry"), token),
    exit: connectionProgress(hopCtx("exit"), token),
  };
  const connection = createTwoHopConnection(client, {
    entry: o.entry,
    exit: o.exit,
    sameRegion: o.sameRegion,
    deposit: o.deposit,
    ...(o.exitClient ? { exitClient: o.exitClient } : {}),
    tunnel: driver,
    failover: o.failover,
    acceptTimeoutMs: o.acceptTimeoutMs,
    session: {
      voucherIntervalSeconds: o.voucherIntervalSeconds,
      closeAtPercent: o.closeAtPercent,
      unreachableAfterMs: o.graceMs,
    },
    onEvent: (e) => {
      if (e.type === "hop") sessions.track(e.hop, e.event);
      if (e.type === "pair") {
        ctx.out.progress(
          `two hops: entry ${e.pair.entry.address} (${e.pair.entry.region}), exit ${e.pair.exit.address} (${e.pair.exit.region})`,
        );
      } else progress[e.hop](e.event);
    },
  });
  let end: TwoHopConnectionEnd;
  try {
    end = await connection.run(ctx.signal);
  } catch (err) {
    putResolverBack(ctx, statePath);
    const failure = twoHopFailure(err, {
      sessions,
      recorded: readConnectionState(statePath) !== undefined,
      killSwitch: Boolean(killSwitchTable),
      lockdown: o.lockdown,
      exitPaidElsewhere: Boolean(o.exitClient),
      token,
    });
    // A session may still be open: the record and the kill switch stay for `dvpn disconnect`.
    if (failure.keep) throw failure.error;
    if (killSwitchTable && !o.lockdown) await disableKillSwitch(killSwitchTable).catch(() => undefined);
    removeConnectionState(statePath);
    throw failure.error;
  }
  putResolverBack(ctx, statePath);
  const byUser = end.reason === "stopped" || end.reason === "deposit";
  if (killSwitchTable && !o.lockdown && byUser) await disableKillSwitch(killSwitchTable);
  else if (killSwitchTable)
    ctx.out.progress("the kill switch stays on: `dvpn disconnect` (or `dvpn unlock` in lockdown) lifts it");
  if (byUser || !killSwitchTable) removeConnectionState(statePath);
  return { ...end, configs: [entryPath, exitPath], killSwitch: Boolean(killSwitchTable) && (!byUser || o.lockdown) };
}
