import { z } from "zod";
import { defineCommand } from "../command.ts";
import { connectionStatePath, isAlive, readConnectionState } from "../connectionState.ts";
import { UsageError } from "../errors.ts";
import { disableKillSwitch, KILL_SWITCH_TABLE } from "../killSwitch.ts";
import { clearLockdown, readLockdown } from "../lockdown.ts";
import { putResolverBack } from "../tunnelDns.ts";
import { noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["unlock"],
  summary: "end lockdown: lift the kill switch that `connect --lockdown` keeps between connections",
  options: {},
  schema: z.object({ positionals: noPositionals }),
  notes: [
    "Refuses while a connection is recorded (`dvpn disconnect` first). Lifts the kill switch (the",
    "nftables table inet dvpn_client) also when lockdown was not on, and puts back a resolver file a",
    "crashed `connect --up` left pointed at the tunnel.",
  ],
  examples: ["dvpn unlock", "dvpn unlock --json"],
  async run(ctx) {
    const path = connectionStatePath(ctx.env);
    const state = readConnectionState(path);
    if (state) {
      throw new UsageError(
        `${isAlive(state.pid, state.pidStart) ? "connected" : "a killed client's connection is recorded"} (session ${state.sessionId}): \`dvpn disconnect\` first`,
      );
    }
    const lockdown = readLockdown(path);
    await disableKillSwitch(lockdown?.table ?? KILL_SWITCH_TABLE);
    clearLockdown(path);
    putResolverBack(ctx, path);
    ctx.out.result({ unlocked: true, wasLockedDown: lockdown !== undefined }, () =>
      lockdown ? "lockdown ended: the kill switch is lifted" : "not in lockdown; no kill switch is left",
    );
  },
});
