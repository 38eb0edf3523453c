/**
 * `dvpn connect --up`: the SDK's connection ({@link createVpnConnection}) with a wg-quick tunnel,
 * the kill switch and the state file. Every session of the connection uses the same config file
 * and interface, so the kill switch's rule for the tunnel stays; on failover its allowed
 * WireGuard endpoint is swapped from the failed provider to the next one in one atomic nftables
 * transaction while no tunnel is up, so nothing leaves outside a tunnel at any moment.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { DvpnClient } from "../client/createDvpnClient.ts";
import { DvpnError } from "../errors/base.ts";
import {
  createVpnConnection,
  TunnelUpError,
  type TunnelDriver,
  type TunnelLeg,
  type VpnConnectionEnd,
} from "../tunnel/createVpnConnection.ts";
import type { ProviderChoice } from "../tunnel/nextProvider.ts";
import { interfaceOf, wgQuick } from "../tunnel/wgCommands.ts";
import { peerHandshakeReader } from "../tunnel/peerBytes.ts";
import type { TransportOffer } from "../transport/offer.ts";
import { waitForHandshake } from "../transport/waitForHandshake.ts";
import {
  connectionStatePath,
  legState,
  readConnectionState,
  removeConnectionState,
  writeConnectionState,
  type ConnectionState,
} from "./connectionState.ts";
import type { CliContext } from "./context.ts";
import { formatAmount, printable, type TokenInfo } from "./format.ts";
import { disableKillSwitch, enableKillSwitch } from "./killSwitch.ts";
import { killSwitchFlows } from "./killSwitchFlows.ts";
import { renderLegConfig } from "./legConfig.ts";
import { createLegTransport, TRANSPORT_FWMARK, TRANSPORT_MTU, type TransportMode } from "./legTransport.ts";
import { startLockdown } from "./lockdown.ts";
import { connectionProgress, legMoneyLine, type RunOptions } from "./payTunnel.ts";
import { pointResolverAt, resolverBackupPath, resolverFile } from "./resolvConf.ts";
import { putResolverBack, routeResolvers, tunnelResolvers } from "./tunnelDns.ts";

/** Options of {@link connectUp}. */
export interface ConnectUpOptions extends RunOptions {
  choice: ProviderChoice;
  deposit: bigint;
  config?: string;
  /** `--dns` values (`gateway`, `none` or addresses; default: the gateway in a full tunnel). */
  dns?: string[];
  allowedIPs: string[];
  /** Only `allowedIPs` go through the tunnel. */
  split: boolean;
  /** The kill switch stays after the run, until `dvpn unlock`. */
  lockdown: boolean;
  killSwitch: boolean;
  /** How each tunnel reaches its provider (see {@link createLegTransport}). */
  transport: TransportMode;
  /** `auto`: how long plain WireGuard gets to complete a handshake before the transport is tried. */
  handshakeTimeoutMs: number;
  /** The v2ray binary (default "v2ray" on PATH). */
  v2ray?: string;
}

/**
 * Runs the connection until Ctrl-C, a nearly used deposit, or no provider left.
 * @returns how it ended (every session's money is in `legs`) and the config path.
 * @throws {DvpnError} when the tunnel cannot be brought up (the session closed, the kill switch lifted
 *   unless in lockdown).
 */
export async function connectUp(
  ctx: CliContext,
  client: DvpnClient,
  o: ConnectUpOptions,
  token: TokenInfo,
): Promise<VpnConnectionEnd & { configPath: string | undefined; killSwitch: boolean }> {
  const statePath = connectionStatePath(ctx.env);
  let configPath = o.config ? resolve(o.config) : undefined;
  let killSwitchTable: string | undefined;
  const configOf = (leg: TunnelLeg) => (configPath ??= resolve(`dvpn${leg.sessionId}.conf`));
  const allow = (endpoint: string | undefined, protocol: "udp" | "tcp" = "udp") =>
    killSwitchFlows(endpoint, ctx.globals.rpc, ctx.globals.indexer ? [ctx.globals.indexer] : [], protocol);
  if (o.lockdown) killSwitchTable = await startLockdown(statePath, () => allow(undefined), ctx.out.progress);
  const transport = createLegTransport({ client, mode: o.transport, ...(o.v2ray ? { v2ray: o.v2ray } : {}) });
  /** Brings `leg`'s tunnel up, straight to the provider or over `via`, its obfuscated transport. */
  const bringUp = async (leg: TunnelLeg, previous: TunnelLeg | undefined, via: TransportOffer | undefined) => {
    const path = configOf(leg);
    const iface = interfaceOf(path);
    const resolvers = tunnelResolvers({ dns: o.dns, split: o.split, gateway: leg.tunnel.gateway });
    const host = leg.provider.endpoint.slice(0, leg.provider.endpoint.lastIndexOf(":"));
    const outside = via ? `${host}:${via.port}` : leg.provider.endpoint;
    const state: ConnectionState = {
      ...legState(client, leg, { config: path, iface }),
      ...(killSwitchTable ? { killSwitch: killSwitchTable } : {}),
      ...(o.lockdown ? { lockdown: true } : {}),
    };
    writeConnectionState(statePath, state);
    if (o.killSwitch) {
      // One atomic ruleset replace: the old endpoint's rule goes as the new one comes.
      killSwitchTable = await enableKillSwitch({ iface, allow: await allow(outside, via ? "tcp" : "udp") });
      state.killSwitch = killSwitchTable;
      writeConnectionState(statePath, state);
      const flow = `${printable(outside)}${via ? " (TCP, its v2ray transport)" : ""}`;
      ctx.out.progress(
        previous
          ? `kill switch swapped: table inet ${killSwitchTable} now lets out only the tunnel and ${flow} (no longer ${printable(previous.provider.endpoint)})`
          : `kill switch on: nftables table inet ${killSwitchTable} lets only the tunnel out`,
      );
    }
    let endpoint = leg.provider.endpoint;
    if (via) {
      const t = await transport.start(leg, via);
      endpoint = t.endpoint;
      if (t.pid) state.transportPid = t.pid;
      writeConnectionState(statePath, state);
      ctx.out.progress(
        `transport: v2ray (VLESS over WebSocket and TLS, certificate pinned) to ${printable(outside)}; WireGuard sends to ${endpoint}`,
      );
    }
    // No DNS line: the resolver file is set below, without resolvconf.
    const text = renderLegConfig(leg, {
      endpoint,
      allowedIPs: routeResolvers(o.allowedIPs, resolvers),
      ...(via ? { mtu: TRANSPORT_MTU, fwMark: TRANSPORT_FWMARK } : {}),
    });
    writeFileSync(path, text, { mode: 0o600 });
    ctx.out.progress(`wrote ${path}`);
    await wgQuick("up", path);
    if (resolvers.length) {
      // Again on failover: the user's own file stays kept, the new gateway is written.
      state.resolver = pointResolverAt({
        file: await resolverFile(ctx.env),
        servers: resolvers,
        backup: resolverBackupPath(statePath),
      });
      writeConnectionState(statePath, state);
      ctx.out.progress(`DNS: ${state.resolver} asks ${resolvers.join(", ")} through the tunnel`);
    }
    return { iface, path };
  };
  const tunnel: TunnelDriver = {
    async up(leg, previous) {
      const offer = await transport.offerFor(leg);
      const up = await bringUp(leg, previous, o.transport === "v2ray" ? offer : undefined);
      if (o.transport !== "auto" || !offer) return { iface: up.iface };
      const handshake = await waitForHandshake({
        readHandshake: peerHandshakeReader(up.iface, leg.provider.wgPublicKeyBase64),
        nudge: leg.tunnel.gateway,
        timeoutMs: o.handshakeTimeoutMs,
      });
      if (handshake) return { iface: up.iface };
      ctx.out.progress(
        `no WireGuard handshake with ${printable(leg.provider.endpoint)} within ${o.handshakeTimeoutMs / 1000} s (blocked?): falling back to its v2ray transport`,
      );
      await wgQuick("down", up.path);
      return { iface: (await bringUp(leg, leg, offer)).iface };
    },
    async down() {
      if (configPath) await wgQuick("down", configPath);
      await transport.stop();
    },
  };
  const connection = createVpnConnection(client, {
    choice: o.choice,
    deposit: o.deposit,
    tunnel,
    failover: o.failover,
    acceptTimeoutMs: o.acceptTimeoutMs,
    session: {
      voucherIntervalSeconds: o.voucherIntervalSeconds,
      closeAtPercent: o.closeAtPercent,
      unreachableAfterMs: o.graceMs,
    },
    onEvent: connectionProgress(ctx, token),
  });
  let end: VpnConnectionEnd;
  try {
    end = await connection.run(ctx.signal);
  } catch (err) {
    putResolverBack(ctx, statePath);
    const recorded = readConnectionState(statePath);
    if (!(err instanceof TunnelUpError) && recorded) {
      // Failed mid-connection (e.g. the chain unreachable during a failover): a session may still
      // be open, so the record and the kill switch stay for `dvpn disconnect` to close and lift.
      throw new DvpnError(
        `${(err as DvpnError).shortMessage ?? String(err)}; session ${recorded.sessionId} may still be open: \`dvpn disconnect\` closes it${killSwitchTable ? " and lifts the kill switch, which stays on until then" : ""}`,
        { cause: err },
      );
    }
    if (killSwitchTable && !o.lockdown) await disableKillSwitch(killSwitchTable).catch(() => undefined);
    removeConnectionState(statePath);
    if (err instanceof TunnelUpError) {
      const last = err.legs.at(-1)!;
      const switchLine = o.lockdown ? "lockdown: the kill switch stays on" : "the kill switch is lifted";
      throw new DvpnError(`${err.shortMessage}; ${legMoneyLine(last, token)}; ${switchLine}`, {
        cause: err,
      });
    }
    throw err;
  }
  putResolverBack(ctx, statePath);
  const byUser = end.reason === "stopped" || end.reason === "deposit";
  if (byUser || !killSwitchTable) {
    if (killSwitchTable && o.lockdown) ctx.out.progress("lockdown: the kill switch stays on; `dvpn unlock` lifts it");
    else if (killSwitchTable) await disableKillSwitch(killSwitchTable);
    removeConnectionState(statePath);
  } else {
    ctx.out.progress(
      `the kill switch stays on so nothing leaves outside a tunnel: \`dvpn ${o.lockdown ? "disconnect` then `dvpn unlock" : "disconnect"}\` lifts it`,
    );
  }
  if (end.legs.length === 0)
    ctx.out.progress(
      `no provider matched; nothing was opened or paid (deposit ${formatAmount(o.deposit, token)} untouched)`,
    );
  return { ...end, configPath, killSwitch: Boolean(killSwitchTable) && (!byUser || o.lockdown) };
}
