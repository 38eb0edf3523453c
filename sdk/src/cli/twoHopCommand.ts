/**
 * `dvpn connect --hops 2`: the checks made before any money moves (flags, an earlier connection, the
 * second account), then {@link connectTwoHops} and its result, one line per session and its money.
 */
import type { ConnectOptions } from "./connectOptions.ts";
import { connectionStatePath, isAlive, readConnectionState } from "./connectionState.ts";
import { connectTwoHops } from "./connectTwoHops.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";
import { exitKeyAccount, secondAccountClient } from "./exitPayer.ts";
import { parseAmount } from "./format.ts";
import { keyValues } from "./output.ts";
import { runOptions, sessionRow } from "./payTunnel.ts";
import { tunnelChoices } from "./tunnelChoices.ts";
import { putResolverBack } from "./tunnelDns.ts";

/** `--hops 2`: the checks before any money moves, the two-hop connection and its result. */
export async function connectTwoHopsCommand(ctx: CliContext, o: ConnectOptions): Promise<void> {
  if (!o.up) throw new UsageError("--hops 2 needs --up (two nested tunnels, paid while they run)");
  if (o.provider) throw new UsageError("--hops 2 picks two providers: give --region/--entry-region, not --provider");
  if (o.split || o.allowedIps) throw new UsageError("--hops 2 is a full tunnel: no --split or --allowed-ips");
  if (!o.maxPriceGib) throw new UsageError("--hops 2 needs --max-price-gib (your price cap for each hop)");
  const statePath = connectionStatePath(ctx.env);
  const { lockdown } = tunnelChoices(o, statePath);
  const previous = readConnectionState(statePath);
  if (previous) {
    throw new UsageError(
      isAlive(previous.pid, previous.pidStart)
        ? `already connected (session ${previous.sessionId}, pid ${previous.pid}): \`dvpn disconnect\` first`
        : `session ${previous.sessionId} of a client that was killed is still open: \`dvpn disconnect${previous.exitPayer ? " --exit-key-file <exit key>" : ""}\` closes it`,
    );
  }
  putResolverBack(ctx, statePath);
  const client = await ctx.client(true);
  const exitClient = o.exitKeyFile ? secondAccountClient(ctx, client, exitKeyAccount(o.exitKeyFile)) : undefined;
  if (exitClient && exitClient.account!.address === client.account!.address) {
    throw new UsageError("--exit-key-file holds the wallet's own key: give a second account's key");
  }
  const t = await ctx.tokens();
  const caps = {
    maxPricePerGiB: parseAmount(o.maxPriceGib, t.paymentToken, "--max-price-gib"),
    ...(o.maxPriceMin !== undefined
      ? { maxPricePerMinute: parseAmount(o.maxPriceMin, t.paymentToken, "--max-price-min") }
      : {}),
  };
  const end = await connectTwoHops(
    ctx,
    client,
    {
      entry: { ...caps, ...(o.entryRegion ? { region: o.entryRegion } : {}) },
      exit: { ...caps, ...(o.region ? { region: o.region } : {}) },
      sameRegion: Boolean(o.sameRegion),
      deposit: parseAmount(o.deposit, t.paymentToken, "--deposit"),
      ...(exitClient ? { exitClient } : {}),
      ...(o.config ? { config: o.config } : {}),
      ...(o.dns ? { dns: o.dns } : {}),
      lockdown,
      killSwitch: !o.noKillSwitch,
      ...runOptions(o),
    },
    t.paymentToken,
  );
  if (end.reason !== "stopped" && end.reason !== "deposit") process.exitCode = 3;
  const hop = (name: "entry" | "exit") => end[name].legs.map((l) => ({ hop: name, ...sessionRow(l, t.paymentToken) }));
  const sessions = [...hop("entry"), ...hop("exit")];
  ctx.out.result(
    {
      ended: end.reason,
      endedBy: end.endedBy ?? null,
      hops: 2,
      pair: end.pair,
      configs: end.configs,
      killSwitch: end.killSwitch,
      sessions,
      up: true,
    },
    () =>
      keyValues([
        ["ended", `${end.reason}${end.endedBy ? ` (${end.endedBy})` : ""}`],
        ...sessions.map((l): [string, string] => [`${l.hop} session ${l.sessionId}`, `${l.provider}: ${l.money}`]),
        ["kill switch", end.killSwitch ? "on (`dvpn disconnect` lifts it)" : "off"],
      ]),
  );
}
