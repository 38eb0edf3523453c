import { z } from "zod";
import { getAgentSession } from "../../tunnel/voucherApi.ts";
import { readPeerCounters } from "../../tunnel/wgCommands.ts";
import { priceUsage } from "../../vouchers/usage.ts";
import { defineCommand } from "../command.ts";
import { connectionStatePath, isAlive, readConnectionState } from "../connectionState.ts";
import { formatAmount, formatBytes, formatDuration } from "../format.ts";
import { keyValues } from "../output.ts";
import { killSwitchActive } from "../killSwitch.ts";
import { readLockdown } from "../lockdown.ts";
import { readSavedResolver, resolverBackupPath } from "../resolvConf.ts";
import { noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["status"],
  summary: "the connection of `dvpn connect --up`: session, provider, bytes, cost, deposit left, tunnel health",
  options: {},
  schema: z.object({ positionals: noPositionals }),
  notes: [
    "Reads the connection state file ($DVPN_STATE_DIR/connection.json, default ~/.dvpn/), the tunnel's",
    "counters, the agent's meter (through the tunnel) and the session on chain. A connection whose",
    "process is gone is shown as such: `dvpn disconnect` closes it.",
  ],
  examples: ["dvpn status", "dvpn status --json"],
  async run(ctx) {
    const path = connectionStatePath(ctx.env);
    const state = readConnectionState(path);
    const lockdown = readLockdown(path) !== undefined;
    if (!state) {
      ctx.out.result({ connected: false, ...(lockdown ? { lockdown } : {}) }, () =>
        lockdown
          ? "not connected; lockdown on: only the kill switch's flows get out (`dvpn unlock` lifts it)"
          : "not connected",
      );
      return;
    }
    const sessionId = BigInt(state.sessionId);
    const client = await ctx.client();
    const t = await ctx.tokens();
    const alive = isAlive(state.pid, state.pidStart);
    const peer = await readPeerCounters(state.iface, state.providerKey).catch(() => undefined);
    const handshakeAge = peer && peer.latestHandshake > 0 ? Math.round(Date.now() / 1000 - peer.latestHandshake) : null;
    const agent = peer
      ? await getAgentSession({ gateway: state.gateway, sessionId, timeoutMs: 1_500 }).catch(() => undefined)
      : undefined;
    const s = await client.getSession({ sessionId });
    const terms = {
      pricePerGiB: BigInt(state.pricePerGiB),
      pricePerMinute: BigInt(state.pricePerMinute),
      deposit: s.deposit,
    };
    const signed = agent
      ? { bytes: BigInt(agent.voucherBytes), seconds: BigInt(agent.voucherSeconds) }
      : { bytes: s.claimedBytes, seconds: s.claimedSeconds };
    const cost = priceUsage(terms, signed);
    const killSwitch = state.killSwitch ? await killSwitchActive(state.killSwitch) : false;
    const tunnel = !peer
      ? "down"
      : handshakeAge === null
        ? "up, no handshake yet"
        : `up, last handshake ${handshakeAge} s ago`;
    const view = {
      connected: alive && s.status === "Active",
      pid: state.pid,
      clientRunning: alive,
      sessionId,
      status: s.status,
      provider: state.provider,
      endpoint: state.endpoint,
      iface: state.iface,
      tunnel,
      handshakeAgeSeconds: handshakeAge,
      bytes: peer ? peer.rx + peer.tx : null,
      agentMeteredBytes: agent ? BigInt(agent.meteredBytes) : null,
      signed,
      cost,
      paid: s.paid,
      depositLeft: s.deposit - cost,
      killSwitch,
      lockdown,
      dns: state.resolver
        ? (readSavedResolver(resolverBackupPath(path))?.written.match(/^nameserver (\S+)/m)?.[1] ?? null)
        : null,
    };
    ctx.out.result(view, () =>
      keyValues([
        [
          "session",
          `${sessionId} (${s.status})${alive ? "" : `: the client (pid ${state.pid}) is gone; \`dvpn disconnect\` closes it`}`,
        ],
        ["provider", `${state.provider} (${state.endpoint})`],
        ["tunnel", `${state.iface} ${tunnel}`],
        ["bytes", peer ? `${formatBytes(peer.rx)} in, ${formatBytes(peer.tx)} out` : "-"],
        ["agent meter", agent ? formatBytes(BigInt(agent.meteredBytes)) : "unreachable"],
        ["signed", `${formatBytes(signed.bytes)}, ${formatDuration(Number(signed.seconds))}`],
        ["cost so far", formatAmount(cost, t.paymentToken)],
        ["paid on chain", formatAmount(s.paid, t.paymentToken)],
        [
          "deposit left",
          `${formatAmount(s.deposit - cost, t.paymentToken)} of ${formatAmount(s.deposit, t.paymentToken)}`,
        ],
        [
          "kill switch",
          `${killSwitch ? `on (nftables table ${state.killSwitch})` : "off"}${lockdown ? ", lockdown" : ""}`,
        ],
        ["dns", view.dns ? `${view.dns} through the tunnel (${state.resolver})` : "unchanged"],
      ]),
    );
  },
});
