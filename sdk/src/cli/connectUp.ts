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
import { renderWgQuickConfig } from "../wireguard/config.ts";
import {
  connectionStatePath,
  processStart,
  removeConnectionState,
  writeConnectionState,
  type ConnectionState,
} from "./connectionState.ts";
import type { CliContext } from "./context.ts";
import { formatAmount, printable, type TokenInfo } from "./format.ts";
import { disableKillSwitch, enableKillSwitch } from "./killSwitch.ts";
import { killSwitchFlows } from "./killSwitchFlows.ts";
import { connectionProgress, legMoneyLine } from "./payTunnel.ts";

/** Options of {@link connectUp}. */
export interface ConnectUpOptions {
  choice: ProviderChoice;
  deposit: bigint;
  config?: string;
  dns: string[];
  allowedIPs: string[];
  killSwitch: boolean;
  failover: boolean;
  voucherIntervalSeconds: number;
  closeAtPercent: number;
  acceptTimeoutMs: number;
  graceMs: number;
}

/**
 * Runs the connection until Ctrl-C, a nearly used deposit, or no provider left.
 * @returns how it ended (every session's money is in `legs`) and the config path.
 * @throws {DvpnError} when the tunnel cannot be brought up (the session closed, the kill switch lifted).
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
  const tunnel: TunnelDriver = {
    async up(leg, previous) {
      const path = configOf(leg);
      const iface = interfaceOf(path);
      const text = renderWgQuickConfig({
        privateKey: leg.keys.privateKey,
        address: leg.tunnel.addresses,
        dns: o.dns,
        peerPublicKey: leg.provider.wgPublicKeyBase64,
        endpoint: leg.provider.endpoint,
        allowedIPs: o.allowedIPs,
        persistentKeepalive: 25,
      });
      writeFileSync(path, text, { mode: 0o600 });
      const state: ConnectionState = {
        pid: process.pid,
        ...(processStart(process.pid) !== undefined ? { pidStart: processStart(process.pid)! } : {}),
        chainId: client.chain.id,
        escrow: client.deployment.contracts.SessionEscrow.address,
        sessionId: String(leg.sessionId),
        provider: leg.provider.address,
        endpoint: leg.provider.endpoint,
        providerKey: leg.provider.wgPublicKeyBase64,
        config: path,
        iface,
        gateway: leg.tunnel.gateway,
        deposit: String(leg.opened.deposit),
        pricePerGiB: String(leg.opened.pricePerGiB),
        pricePerMinute: String(leg.opened.pricePerMinute),
        acceptedAt: leg.acceptedAt,
        ...(killSwitchTable ? { killSwitch: killSwitchTable } : {}),
      };
      writeConnectionState(statePath, state);
      if (o.killSwitch) {
        // One atomic ruleset replace: the old endpoint's rule goes as the new one comes.
        killSwitchTable = await enableKillSwitch({
          iface,
          allow: await killSwitchFlows(
            leg.provider.endpoint,
            ctx.globals.rpc,
            ctx.globals.indexer ? [ctx.globals.indexer] : [],
          ),
        });
        state.killSwitch = killSwitchTable;
        writeConnectionState(statePath, state);
        ctx.out.progress(
          previous
            ? `kill switch swapped: table inet ${killSwitchTable} now lets out only the tunnel and ${printable(leg.provider.endpoint)} (no longer ${printable(previous.provider.endpoint)})`
            : `kill switch on: nftables table inet ${killSwitchTable} lets only the tunnel out`,
        );
      }
      ctx.out.progress(`wrote ${path}`);
      await wgQuick("up", path);
      return { iface };
    },
    async down() {
      if (configPath) await wgQuick("down", configPath);
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
    if (killSwitchTable) await disableKillSwitch(killSwitchTable).catch(() => undefined);
    removeConnectionState(statePath);
    if (err instanceof TunnelUpError) {
      const last = err.legs.at(-1)!;
      throw new DvpnError(`${err.shortMessage}; ${legMoneyLine(last, token)}; the kill switch is lifted`, {
        cause: err,
      });
    }
    throw err;
  }
  const byUser = end.reason === "stopped" || end.reason === "deposit";
  if (byUser || !killSwitchTable) {
    if (killSwitchTable) await disableKillSwitch(killSwitchTable);
    removeConnectionState(statePath);
  } else {
    ctx.out.progress("the kill switch stays on so nothing leaves outside a tunnel: `dvpn disconnect` lifts it");
  }
  if (end.legs.length === 0)
    ctx.out.progress(
      `no provider matched; nothing was opened or paid (deposit ${formatAmount(o.deposit, token)} untouched)`,
    );
  return { ...end, configPath, killSwitch: Boolean(killSwitchTable) && !byUser };
}
