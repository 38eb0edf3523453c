import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { DvpnError } from "../../errors/base.ts";
import { generateWgKeyPair } from "../../wireguard/keys.ts";
import { renderWgQuickConfig } from "../../wireguard/config.ts";
import { interfaceOf, wgQuick } from "../../tunnel/wgCommands.ts";
import { closeUnused, tunnelOrClose } from "../acceptedTunnel.ts";
import { payTunnel } from "../payTunnel.ts";
import { hasCommand, pickProvider } from "../pickProvider.ts";
import {
  connectionStatePath,
  isAlive,
  processStart,
  readConnectionState,
  removeConnectionState,
  writeConnectionState,
  type ConnectionState,
} from "../connectionState.ts";
import { disableKillSwitch, enableKillSwitch, KILL_SWITCH_TABLE, killSwitchActive } from "../killSwitch.ts";
import { setLockdown } from "../lockdown.ts";
import { tunnelChoices } from "../tunnelChoices.ts";
import { pointResolverAt, resolverBackupPath, resolverFile } from "../resolvConf.ts";
import { putResolverBack, routeResolvers, tunnelResolvers } from "../tunnelDns.ts";
import { killSwitchFlows } from "../killSwitchFlows.ts";
import { defineCommand } from "../command.ts";
import { UsageError } from "../errors.ts";
import { formatAmount, formatBytes, formatDuration, parseAmount, printable } from "../format.ts";
import { keyValues } from "../output.ts";
import { addressText, amountText, noPositionals } from "./shared.ts";

/** Whether a run ended by the user's choice (Ctrl-C, deposit) rather than the provider's. */
const endedByUser = (reason: string) => reason === "stopped" || reason === "deposit";

export default defineCommand({
  path: ["connect"],
  summary: "open a session, wait for acceptance, write the WireGuard config (and bring it up)",
  options: {
    provider: { type: "string", value: "<address>", description: "this provider (else the best in --region)" },
    region: { type: "string", value: "<CC>", description: "pick the best available provider in this region" },
    "max-price-gib": { type: "string", value: "<amount>", description: "highest price per GiB you accept" },
    "max-price-min": {
      type: "string",
      value: "<amount>",
      description: "highest price per minute you accept (default: the provider's current price)",
    },
    deposit: { type: "string", value: "<amount>", description: "deposit, in payment tokens" },
    config: {
      type: "string",
      value: "<file>",
      description: "where to write the wg-quick config (default ./dvpn<id>.conf)",
    },
    dns: {
      type: "string",
      multiple: true,
      value: "<ip|gateway|none>",
      description:
        "resolver for the tunnel: `gateway` (the provider's, through the tunnel; default), an IP, or `none` (leave DNS alone; default with --split)",
    },
    "allowed-ips": {
      type: "string",
      multiple: true,
      value: "<cidr>",
      description:
        "what goes through the tunnel (default 0.0.0.0/0 and ::/0: everything); a narrower list needs --split",
    },
    split: {
      type: "boolean",
      description: "split tunnel: only --allowed-ips go through it; the rest, IPv6 and DNS included, uses your network",
    },
    lockdown: {
      type: "boolean",
      description: "keep the kill switch after the connection ends, until `dvpn unlock` (sticky once set)",
    },
    up: { type: "boolean", description: "bring the tunnel up with wg-quick (root) and pay for it until Ctrl-C" },
    "no-kill-switch": {
      type: "boolean",
      description: "no kill switch (default with --up and a full tunnel: only the tunnel carries traffic)",
    },
    "voucher-interval": {
      type: "string",
      value: "<seconds>",
      description: "a voucher at least this often (default 10; traffic signs more often, by bytes)",
    },
    "close-at": {
      type: "string",
      value: "<percent>",
      description: "close when usage reaches this share of the deposit (default 90)",
    },
    "accept-timeout": {
      type: "string",
      value: "<seconds>",
      description: "stop waiting for acceptance after this long (default: the contract's deadline)",
    },
  },
  schema: z.object({
    positionals: noPositionals,
    provider: addressText.optional(),
    region: z
      .string()
      .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as DE")
      .transform((s) => s.toUpperCase())
      .optional(),
    maxPriceGib: amountText.optional(),
    maxPriceMin: amountText.optional(),
    deposit: amountText,
    config: z.string().optional(),
    dns: z.array(z.string()).optional(),
    allowedIps: z.array(z.string()).optional(),
    up: z.boolean().optional(),
    split: z.boolean().optional(),
    lockdown: z.boolean().optional(),
    noKillSwitch: z.boolean().optional(),
    voucherInterval: z.coerce.number().int().min(1).max(3600).default(10),
    closeAt: z.coerce.number().min(1).max(100).default(90),
    acceptTimeout: z.coerce.number().int().min(1).optional(),
  }),
  notes: [
    "A fresh WireGuard key pair and a fresh session signer key are made for every session; the",
    "wallet only signs the open (with an EIP-2612 permit for the deposit). The config file holds",
    "the tunnel's private key and is written with mode 0600.",
    "Without --up the command stops after writing the config: bring it up yourself and send",
    "vouchers (the provider cuts tunnels whose vouchers lag), or close with `dvpn session close`.",
    "With --up (root): wg-quick up, then vouchers to the agent (http://<gateway>:51830) driven by",
    "the tunnel's own byte counter (read 20 times a second) and by time: each signs ahead of the",
    "provider's meter by 0.3 s at the measured rate plus 6 MiB (or its advertised tolerance), never",
    "more than 64 MiB + 25 % beyond your own counter (your worst case: bytes paid, not received).",
    "Ctrl-C or a nearly used deposit sends a last voucher, takes the tunnel down and closes the",
    "session; a provider that closed the session or stopped answering ends the run (exit code 3)",
    "with what happened to the money. A full tunnel",
    "(the default AllowedIPs) needs nft or iptables for wg-quick's routing rules.",
    "DNS: the provider's resolver on the tunnel gateway. With --up the resolver file (/etc/resolv.conf,",
    "or /etc/netns/<name>/resolv.conf in a named namespace) is pointed at it without resolvconf and put",
    "back at the end or by `dvpn disconnect`; without --up the config has a DNS line only when resolvconf",
    "is installed (wg-quick needs it). --split: only --allowed-ips through the tunnel, no kill switch.",
    "--lockdown: the kill switch stays between connections and after `dvpn disconnect`, until `dvpn unlock`.",
  ],
  examples: [
    "dvpn connect --region DE --max-price-gib 0.05 --deposit 5 --key-file ~/.dvpn/key",
    "sudo dvpn connect --provider 0x7099…79C8 --max-price-gib 0.05 --deposit 5 --up --key-file ~/.dvpn/key",
    "sudo dvpn connect --region DE --max-price-gib 0.05 --deposit 5 --up --split --allowed-ips 10.0.0.0/8",
    "sudo dvpn connect --region DE --max-price-gib 0.05 --deposit 5 --up --lockdown",
    "dvpn connect --region NL --max-price-gib 0.1 --deposit 2 --config /etc/wireguard/dvpn.conf --json",
  ],
  async run(ctx, o) {
    if (!o.provider && !o.region) throw new UsageError("give --provider <address> or --region <CC>");
    if (!o.provider && !o.maxPriceGib) throw new UsageError("--region needs --max-price-gib (your price cap)");
    if (o.up && process.getuid?.() !== 0) throw new UsageError("--up runs wg-quick and needs root");
    const statePath = connectionStatePath(ctx.env);
    const { allowedIPs, split, lockdown } = tunnelChoices(o, statePath);
    const previous = o.up ? readConnectionState(statePath) : undefined;
    if (o.up && !previous) putResolverBack(ctx, statePath);
    if (previous) {
      throw new UsageError(
        isAlive(previous.pid, previous.pidStart)
          ? `already connected (session ${previous.sessionId}, pid ${previous.pid}): \`dvpn disconnect\` first`
          : `session ${previous.sessionId} of a client that was killed is still open: \`dvpn disconnect\` closes it`,
      );
    }
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const deposit = parseAmount(o.deposit, t.paymentToken, "--deposit");
    const capGib =
      o.maxPriceGib !== undefined ? parseAmount(o.maxPriceGib, t.paymentToken, "--max-price-gib") : undefined;
    const providerAddress = await pickProvider(
      ctx,
      client,
      {
        ...(o.provider ? { provider: o.provider } : {}),
        ...(o.region ? { region: o.region } : {}),
        maxPricePerGiB: capGib,
      },
      t.paymentToken,
    );
    const provider = await client.getProvider({ provider: providerAddress });
    if (lockdown && !(await killSwitchActive())) {
      // Lockdown whose switch is gone (the machine rebooted): closed again before any money moves.
      await enableKillSwitch({ iface: "lo", allow: await killSwitchFlows(provider.endpoint, ctx.globals.rpc) });
      ctx.out.progress("lockdown: the kill switch was gone (a reboot?) and is on again");
    }
    const maxPricePerGiB = capGib ?? provider.pricePerGiB;
    const maxPricePerMinute =
      o.maxPriceMin !== undefined
        ? parseAmount(o.maxPriceMin, t.paymentToken, "--max-price-min")
        : provider.pricePerMinute;

    const keys = generateWgKeyPair();
    const signer = privateKeyToAccount(generatePrivateKey());
    ctx.out.progress(
      `opening a session with ${provider.address} (${printable(provider.endpoint)}), deposit ${formatAmount(deposit, t.paymentToken)}`,
    );
    const opened = await client.openSession({
      provider: provider.address,
      wgPublicKey: keys.publicKey,
      signer: signer.address,
      deposit,
      maxPricePerGiB,
      maxPricePerMinute,
    });
    const sessionId = opened.sessionId;
    ctx.out.progress(`session ${sessionId} opened (transaction ${opened.hash})`);

    const spinner = ctx.out.spinner(`waiting for the provider to accept session ${sessionId}`);
    let accepted;
    try {
      accepted = await client.waitForSessionAccepted({
        sessionId,
        fromBlock: opened.receipt.blockNumber,
        pollIntervalMs: 1000,
        signal: ctx.signal,
        ...(o.acceptTimeout ? { timeoutMs: o.acceptTimeout * 1000 } : {}),
        onPoll: ({ elapsedMs }) =>
          spinner.update(
            `waiting for the provider to accept session ${sessionId} (${formatDuration(elapsedMs / 1000)})`,
          ),
      });
    } catch (err) {
      spinner.stop();
      ctx.out.progress(
        `session ${sessionId} is still pending: after its accept deadline, \`dvpn session close ${sessionId}\` refunds the deposit`,
      );
      throw err;
    }
    const acceptedAt = Date.now();
    spinner.stop(`session ${sessionId} accepted: tunnel address ${accepted.tunnelAddress}`);

    // A tunnel address that is no address list closes the session: nothing can be configured.
    const unused = { sessionId, deposit, token: t.paymentToken };
    const tunnel = await tunnelOrClose(client, accepted.tunnelAddress, unused);
    const configPath = resolve(o.config ?? `dvpn${sessionId}.conf`);
    const resolvers = tunnelResolvers({ dns: o.dns, split, gateway: tunnel.gateway });
    // --up sets the resolver itself; without it the DNS line needs resolvconf (wg-quick calls it).
    const resolvconf = !o.up && resolvers.length > 0 && (await hasCommand("resolvconf"));
    const text = renderWgQuickConfig({
      privateKey: keys.privateKey,
      address: tunnel.addresses,
      dns: resolvconf ? resolvers : [],
      peerPublicKey: provider.wgPublicKeyBase64,
      endpoint: provider.endpoint,
      allowedIPs: routeResolvers(allowedIPs, resolvers),
      persistentKeepalive: 25,
    });
    writeFileSync(configPath, text, { mode: 0o600 });
    ctx.out.progress(`wrote ${configPath}`);

    const summary = {
      sessionId,
      provider: provider.address,
      endpoint: provider.endpoint,
      tunnelAddress: accepted.tunnelAddress,
      gateway: tunnel.gateway ?? null,
      config: configPath,
      deposit,
      pricePerGiB: opened.pricePerGiB,
      pricePerMinute: opened.pricePerMinute,
      voucherSigner: signer.address,
      up: Boolean(o.up),
    };
    const human = (extra: [string, string][] = []) =>
      keyValues([
        ["session", String(sessionId)],
        ["provider", `${provider.address} (${provider.endpoint}, ${provider.region})`],
        ["tunnel address", accepted.tunnelAddress],
        ["config", configPath],
        [
          "price",
          `${formatAmount(opened.pricePerGiB, t.paymentToken)}/GiB + ${formatAmount(opened.pricePerMinute, t.paymentToken)}/min`,
        ],
        ["deposit", formatAmount(deposit, t.paymentToken)],
        ...extra,
      ]);
    if (!o.up) {
      ctx.out.progress(
        `not brought up (no --up): \`sudo wg-quick up ${configPath}\`; vouchers are not streamed by this run`,
      );
      if (resolvers.length && !resolvconf) {
        ctx.out.progress(
          `DNS: no DNS line in the config (wg-quick needs resolvconf for one, and it is not installed): after \`wg-quick up\`, ` +
            `keep a copy of /etc/resolv.conf and put \`nameserver ${resolvers.join("` and `nameserver ")}\` in it, or let \`dvpn connect --up\` do both`,
        );
      }
      ctx.out.result(summary, () => human());
      return;
    }

    if (tunnel.gateway === undefined) {
      // No gateway in the tunnel address: vouchers could not reach the provider's agent.
      const why = `the provider's tunnel address ${JSON.stringify(accepted.tunnelAddress)} names no gateway for its agent`;
      throw await closeUnused(client, unused, why);
    }
    const gateway = tunnel.gateway;

    // --up: the kill switch first (full tunnel), then the tunnel, then pay for it until Ctrl-C,
    // a used deposit or a provider that is gone.
    const iface = interfaceOf(configPath);
    const killSwitch = !o.noKillSwitch && !split;
    const state: ConnectionState = {
      pid: process.pid,
      ...(processStart(process.pid) !== undefined ? { pidStart: processStart(process.pid)! } : {}),
      chainId: client.chain.id,
      escrow: client.deployment.contracts.SessionEscrow.address,
      sessionId: String(sessionId),
      provider: provider.address,
      endpoint: provider.endpoint,
      providerKey: provider.wgPublicKeyBase64,
      config: configPath,
      iface,
      gateway: gateway,
      deposit: String(deposit),
      pricePerGiB: String(opened.pricePerGiB),
      pricePerMinute: String(opened.pricePerMinute),
      acceptedAt,
      ...(lockdown ? { lockdown: true } : {}),
    };
    writeConnectionState(statePath, state);
    let up = false;
    try {
      if (lockdown) setLockdown(statePath, KILL_SWITCH_TABLE);
      if (killSwitch) {
        state.killSwitch = await enableKillSwitch({
          iface,
          allow: await killSwitchFlows(provider.endpoint, ctx.globals.rpc),
        });
        writeConnectionState(statePath, state);
        ctx.out.progress(`kill switch on: nftables table inet ${state.killSwitch} lets only the tunnel out`);
      }
      await wgQuick("up", configPath);
      up = true;
      if (resolvers.length) {
        state.resolver = pointResolverAt({
          file: await resolverFile(ctx.env),
          servers: resolvers,
          backup: resolverBackupPath(statePath),
        });
        writeConnectionState(statePath, state);
        ctx.out.progress(`DNS: ${state.resolver} asks ${resolvers.join(", ")} through the tunnel`);
      }
    } catch (err) {
      if (up) await wgQuick("down", configPath).catch(() => undefined);
      putResolverBack(ctx, statePath);
      if (state.killSwitch && !lockdown) await disableKillSwitch(state.killSwitch).catch(() => undefined);
      const closed = await closeUnused(client, unused, (err as DvpnError).shortMessage ?? String(err), err);
      removeConnectionState(statePath);
      throw closed;
    }
    ctx.out.progress(`tunnel ${iface} up; paying by bytes and time to ${tunnel.gateway}:51830`);
    const paid = await payTunnel(ctx, client, {
      sessionId,
      signer,
      terms: { pricePerGiB: opened.pricePerGiB, pricePerMinute: opened.pricePerMinute, deposit },
      voucherTerms: {
        provider: provider.address,
        deposit: opened.deposit,
        pricePerGiB: opened.pricePerGiB,
        pricePerMinute: opened.pricePerMinute,
      },
      acceptedAt,
      iface,
      providerKey: provider.wgPublicKeyBase64,
      gateway: gateway,
      voucherIntervalSeconds: o.voucherInterval,
      closeAtPercent: o.closeAt,
      token: t.paymentToken,
      down: () => wgQuick("down", configPath),
    });
    putResolverBack(ctx, statePath);
    if (endedByUser(paid.end.reason)) {
      if (lockdown) ctx.out.progress("lockdown: the kill switch stays on; `dvpn unlock` lifts it");
      else if (state.killSwitch) await disableKillSwitch(state.killSwitch);
      removeConnectionState(statePath);
    } else if (state.killSwitch) {
      ctx.out.progress(
        `the kill switch stays on so nothing leaves outside a tunnel: \`dvpn ${lockdown ? "disconnect` then `dvpn unlock" : "disconnect"}\` lifts it`,
      );
    } else {
      removeConnectionState(statePath);
    }
    const { end } = paid;
    if (end.reason === "provider-closed" || end.reason === "unreachable") process.exitCode = 3;
    ctx.out.result(
      {
        ...summary,
        ended: end.reason,
        closed: true,
        usage: end.delivered,
        counter: end.counter,
        money: paid.money,
        settlementDeadline: paid.settlementDeadline ?? null,
        paid: paid.paid ?? end.onChain?.paid ?? null,
        refund: paid.refund ?? null,
      },
      () =>
        human([
          ["used", `${formatBytes(end.delivered.bytes)}, ${formatDuration(Number(end.delivered.seconds))} signed`],
          ["money", paid.money],
          ...(paid.closeHash ? ([["closed", `transaction ${paid.closeHash}`]] as [string, string][]) : []),
        ]),
    );
  },
});
