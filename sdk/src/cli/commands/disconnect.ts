import { readFileSync } from "node:fs";
import { z } from "zod";
import { wgQuick } from "../../tunnel/wgCommands.ts";
import type { DvpnError } from "../../errors/base.ts";
import { defineCommand } from "../command.ts";
import { connectionStatePath, isAlive, readConnectionState, removeConnectionState } from "../connectionState.ts";
import { formatAmount, formatTime } from "../format.ts";
import { keyValues } from "../output.ts";
import { disableKillSwitch } from "../killSwitch.ts";
import { moneyLine } from "../payTunnel.ts";
import { readLockdown } from "../lockdown.ts";
import { exitCloser, exitKeyAccount, secondAccountClient } from "../exitPayer.ts";
import { putResolverBack } from "../tunnelDns.ts";
import { noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["disconnect"],
  summary: "end the connection of `dvpn connect --up`, also one whose process was killed",
  options: {
    "exit-key-file": {
      type: "string",
      value: "<file>",
      description: "two hops paid by `connect --exit-key-file`: that account's key, to close the exit's session too",
    },
  },
  schema: z.object({ positionals: noPositionals, exitKeyFile: z.string().optional() }),
  notes: [
    "A running client is asked to stop (as Ctrl-C: last voucher, tunnel down, session closed). A killed",
    "one is cleaned up here: the tunnel is taken down, the kill switch lifted and the session closed",
    "with the wallet's key (the provider claims its best voucher; the rest is refunded). Says what",
    "happened to the money. The resolver file `connect --up` pointed at the tunnel is put back. In",
    "lockdown (`connect --lockdown`) the kill switch stays on: `dvpn unlock` lifts it. Two hops whose exit",
    "is paid from another account (`connect --exit-key-file`): give --exit-key-file here to close the exit's",
    "session too; without it that session is left open (the line says how to close it) and the rest is done.",
  ],
  examples: [
    "dvpn disconnect --key-file ~/.dvpn/key",
    "dvpn disconnect --key-file ~/.dvpn/key --exit-key-file ~/.dvpn/key2",
    "dvpn disconnect --json",
  ],
  async run(ctx, o) {
    const path = connectionStatePath(ctx.env);
    const state = readConnectionState(path);
    if (!state) {
      putResolverBack(ctx, path);
      ctx.out.result({ disconnected: false }, () => "not connected");
      return;
    }
    const sessionId = BigInt(state.sessionId);
    // Checked before anything changes: a key that does not pay the exit is refused.
    const exitAccount = o.exitKeyFile ? exitKeyAccount(o.exitKeyFile) : undefined;
    const closer = exitCloser(state, exitAccount?.address);
    const lockdown = readLockdown(path) !== undefined;
    const t = await ctx.tokens();
    if (isAlive(state.pid, state.pidStart)) {
      ctx.out.progress(`asking the client (pid ${state.pid}) to close session ${sessionId}`);
      process.kill(state.pid, "SIGINT");
      for (const deadline = Date.now() + 60_000; isAlive(state.pid, state.pidStart) && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 200));
      }
      if (isAlive(state.pid, state.pidStart)) throw new Error(`the client (pid ${state.pid}) did not stop within 60 s`);
    }
    if (readConnectionState(path)) {
      // Killed (or it failed before cleaning up): do its part.
      for (const config of [state.config, ...(state.entry ? [state.entry.config] : [])]) {
        await wgQuick("down", config).catch((err: unknown) =>
          ctx.out.progress(`tunnel: ${(err as DvpnError).shortMessage ?? String(err)} (already down?)`),
        );
      }
      putResolverBack(ctx, path);
      if (state.killSwitch && !lockdown) await disableKillSwitch(state.killSwitch);
      if (state.transportPid !== undefined && stopTransportClient(state.transportPid))
        ctx.out.progress(`stopped the transport client (v2ray, pid ${state.transportPid})`);
    }
    // A running client puts the resolver back itself; one that failed to is done here.
    putResolverBack(ctx, path);
    if (lockdown) ctx.out.progress("lockdown: the kill switch stays on; `dvpn unlock` lifts it");
    const client = await ctx.client(true);
    if (state.entry) {
      // Two hops: the entry's session too (always the wallet's; the exit's may be another account's).
      const entryId = BigInt(state.entry.sessionId);
      const e = await client.getSession({ sessionId: entryId });
      if (e.status === "Active") await client.closeSession({ sessionId: entryId });
      else if (e.status === "Pending") await client.cancelSession({ sessionId: entryId });
      ctx.out.progress(
        `entry session ${entryId}: ${moneyLine(await client.getSession({ sessionId: entryId }), t.paymentToken)}`,
      );
    }
    const payer = exitAccount && closer.by === "exit-key" ? secondAccountClient(ctx, client, exitAccount) : client;
    let s = await client.getSession({ sessionId });
    let action = "none";
    let money: string;
    if (closer.by === "skip" && (s.status === "Active" || s.status === "Pending")) {
      action = "skipped";
      money = closer.line;
    } else if (s.status === "Active") {
      const closed = await payer.closeSession({ sessionId });
      action = "closed";
      money =
        closed.refund !== undefined
          ? `closed: paid ${formatAmount(closed.paid ?? 0n, t.paymentToken)}, refund ${formatAmount(closed.refund, t.paymentToken)}`
          : `closed: the provider may claim its best voucher until ${formatTime(closed.settlementDeadline)}, then \`dvpn session finalize ${sessionId}\` refunds the rest`;
    } else if (s.status === "Pending") {
      const c = await payer.cancelSession({ sessionId });
      action = "cancelled";
      money = `cancelled (never accepted): refund ${formatAmount(c.refund, t.paymentToken)}`;
    } else {
      money = moneyLine(s, t.paymentToken);
    }
    s = await client.getSession({ sessionId });
    removeConnectionState(path);
    ctx.out.progress(money);
    ctx.out.result({ disconnected: true, sessionId, action, status: s.status, paid: s.paid, money, lockdown }, () =>
      keyValues([
        ["session", `${sessionId} (${s.status})`],
        ["money", money],
        ...(lockdown ? ([["lockdown", "on: the kill switch stays until `dvpn unlock`"]] as [string, string][]) : []),
      ]),
    );
  },
});

/** Stops a killed client's transport (v2ray with a dvpn-transport config), if it still runs. */
function stopTransportClient(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return false;
  }
  if (!cmdline.includes("v2ray") || !cmdline.includes("dvpn-transport-")) return false;
  process.kill(pid, "SIGTERM");
  return true;
}
