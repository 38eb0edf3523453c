import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { DvpnError } from "../../errors/base.ts";
import { generateWgKeyPair } from "../../wireguard/keys.ts";
import { renderWgQuickConfig } from "../../wireguard/config.ts";
import type { DvpnClient } from "../../client/createDvpnClient.ts";
import type { ProviderChoice } from "../../tunnel/nextProvider.ts";
import { tunnelOrClose } from "../acceptedTunnel.ts";
import { connectUp } from "../connectUp.ts";
import { connectOptions, connectSchema, type ConnectOptions } from "../connectOptions.ts";
import { connectTwoHopsCommand } from "../twoHopCommand.ts";
import type { CliContext } from "../context.ts";
import { legMoneyLine, runOptions, sessionRow } from "../payTunnel.ts";
import { hasCommand, pickProvider } from "../pickProvider.ts";
import { connectionStatePath, isAlive, readConnectionState } from "../connectionState.ts";
import { tunnelChoices } from "../tunnelChoices.ts";
import { putResolverBack, routeResolvers, tunnelResolvers } from "../tunnelDns.ts";
import { defineCommand } from "../command.ts";
import { UsageError } from "../errors.ts";
import { formatAmount, formatBytes, formatDuration, parseAmount, printable, type TokenInfo } from "../format.ts";
import { keyValues } from "../output.ts";

export default defineCommand({
  path: ["connect"],
  summary: "open a session, wait for acceptance, write the WireGuard config (and bring it up)",
  options: connectOptions,
  schema: connectSchema,
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
    "session. The tunnel is watched (vouchers taken by the agent, WireGuard handshake age): an",
    "outage shorter than --grace keeps the session; a provider that closed the session or stays",
    "unreachable is left (its session closed with the best voucher, the money said) and the next-best",
    "provider under the same price cap and region is connected while the kill switch holds",
    "(--no-failover: the run ends with exit code 3 instead). A full tunnel",
    "(the default AllowedIPs) needs nft or iptables for wg-quick's routing rules.",
    "DNS: the provider's resolver on the tunnel gateway. With --up the resolver file (/etc/resolv.conf,",
    "or /etc/netns/<name>/resolv.conf in a named namespace) is pointed at it without resolvconf and put",
    "back at the end or by `dvpn disconnect`; without --up the config has a DNS line only when resolvconf",
    "is installed (wg-quick needs it). --split: only --allowed-ips through the tunnel, no kill switch.",
    "--lockdown: the kill switch stays between connections and after `dvpn disconnect`, until `dvpn unlock`.",
    "--hops 2 (with --up): --region is the exit's (where you appear), --entry-region the entry's; the",
    "entry sees your address, the exit your destinations, neither both. Each hop is its own session paid",
    "for its own bytes; --exit-key-file pays the exit from a second account (the chain otherwise shows one",
    "account opening both). The exit's config is --config (default ./dvpn-exit.conf), the entry's beside it.",
    "--transport: where WireGuard is blocked (a censor dropping its handshakes or all UDP), a provider's",
    "v2ray transport carries it as VLESS over WebSocket and TLS on TCP (usually 443), the server's",
    "certificate pinned to the hash it published; the kill switch then lets out that TCP flow instead.",
  ],
  examples: [
    "dvpn connect --region DE --max-price-gib 0.05 --deposit 5 --key-file ~/.dvpn/key",
    "sudo dvpn connect --provider 0x7099…79C8 --max-price-gib 0.05 --deposit 5 --up --key-file ~/.dvpn/key",
    "sudo dvpn connect --region DE --max-price-gib 0.05 --deposit 5 --up --split --allowed-ips 10.0.0.0/8",
    "sudo dvpn connect --region DE --max-price-gib 0.05 --deposit 5 --up --lockdown",
    "dvpn connect --region NL --max-price-gib 0.1 --deposit 2 --config /etc/wireguard/dvpn.conf --json",
    "sudo dvpn connect --hops 2 --region NL --max-price-gib 0.05 --deposit 5 --up --exit-key-file ~/.dvpn/key2",
    "sudo dvpn connect --region DE --max-price-gib 0.05 --deposit 5 --up --transport v2ray",
  ],
  async run(ctx, o) {
    if (!o.provider && !o.region) throw new UsageError("give --provider <address> or --region <CC>");
    if (!o.provider && !o.maxPriceGib) throw new UsageError("--region needs --max-price-gib (your price cap)");
    if (o.up && process.getuid?.() !== 0) throw new UsageError("--up runs wg-quick and needs root");
    const twoHopOnly = o.entryRegion ?? o.sameRegion ?? o.exitKeyFile;
    if (o.hops === "1" && twoHopOnly !== undefined) {
      throw new UsageError("--entry-region, --same-region and --exit-key-file go with --hops 2");
    }
    if (o.hops === "2" && o.transport === "v2ray") {
      throw new UsageError("--transport v2ray does not go with --hops 2 yet: two hops use plain WireGuard");
    }
    if (o.hops === "2") return connectTwoHopsCommand(ctx, o);
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
    const capMin =
      o.maxPriceMin !== undefined ? parseAmount(o.maxPriceMin, t.paymentToken, "--max-price-min") : undefined;
    const choice = {
      ...(o.provider ? { provider: o.provider } : {}),
      ...(o.region ? { region: o.region } : {}),
      ...(capGib !== undefined ? { maxPricePerGiB: capGib } : {}),
      ...(capMin !== undefined ? { maxPricePerMinute: capMin } : {}),
      ...(o.up && o.transport === "v2ray" ? { transport: "v2ray" as const } : {}),
    };
    if (o.up && o.transport === "v2ray" && o.provider && !(await client.getTransport({ provider: o.provider })))
      throw new UsageError(
        `provider ${o.provider} offers no obfuscated transport; nothing was opened (\`dvpn providers --transport v2ray\` lists those that do)`,
      );
    const providerAddress = await pickProvider(ctx, client, { ...choice, maxPricePerGiB: capGib }, t.paymentToken);
    if (o.up) {
      return connectAndPay(ctx, client, o, { choice, deposit, allowedIPs, split, lockdown, token: t.paymentToken });
    }

    const provider = await client.getProvider({ provider: providerAddress });
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
      maxPricePerGiB: capGib ?? provider.pricePerGiB,
      maxPricePerMinute: capMin ?? provider.pricePerMinute,
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
        timeoutMs: o.acceptTimeout * 1000,
        onPoll: ({ elapsedMs }) =>
          spinner.update(
            `waiting for the provider to accept session ${sessionId} (${formatDuration(elapsedMs / 1000)})`,
          ),
      });
    } catch (err) {
      spinner.stop();
      if ((await client.getSession({ sessionId })).status !== "Pending") throw err;
      // The client may withdraw a pending session at once: the whole deposit comes back now.
      const c = await client.cancelSession({ sessionId });
      throw new DvpnError(
        `${(err as DvpnError).shortMessage ?? String(err)}; session ${sessionId} withdrawn (transaction ${c.hash}): refund ${formatAmount(c.refund, t.paymentToken)}`,
        { cause: err },
      );
    }
    spinner.stop(`session ${sessionId} accepted: tunnel address ${accepted.tunnelAddress}`);

    // A tunnel address that is no address list closes the session: nothing can be configured.
    const unused = { sessionId, deposit, token: t.paymentToken };
    const tunnel = await tunnelOrClose(client, accepted.tunnelAddress, unused);
    const configPath = resolve(o.config ?? `dvpn${sessionId}.conf`);
    const resolvers = tunnelResolvers({ dns: o.dns, split, gateway: tunnel.gateway });
    // Without --up the DNS line needs resolvconf (wg-quick calls it).
    const resolvconf = resolvers.length > 0 && (await hasCommand("resolvconf"));
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
    ctx.out.progress(
      `not brought up (no --up): \`sudo wg-quick up ${configPath}\`; vouchers are not streamed by this run`,
    );
    if (resolvers.length && !resolvconf) {
      ctx.out.progress(
        `DNS: no DNS line in the config (wg-quick needs resolvconf for one, and it is not installed): after \`wg-quick up\`, ` +
          `keep a copy of /etc/resolv.conf and put \`nameserver ${resolvers.join("` and `nameserver ")}\` in it, or let \`dvpn connect --up\` do both`,
      );
    }
    ctx.out.result(
      {
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
        up: false,
      },
      () =>
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
        ]),
    );
  },
});

/** `--up`: the SDK's connection (kill switch, tunnel, payment, failover) and its result. */
async function connectAndPay(
  ctx: CliContext,
  client: DvpnClient,
  o: ConnectOptions,
  p: {
    choice: ProviderChoice;
    deposit: bigint;
    allowedIPs: string[];
    split: boolean;
    lockdown: boolean;
    token: TokenInfo;
  },
): Promise<void> {
  const killSwitch = !o.noKillSwitch && !p.split;
  const end = await connectUp(
    ctx,
    client,
    {
      choice: p.choice,
      deposit: p.deposit,
      ...(o.config ? { config: o.config } : {}),
      ...(o.dns ? { dns: o.dns } : {}),
      allowedIPs: p.allowedIPs,
      split: p.split,
      lockdown: p.lockdown,
      killSwitch,
      ...runOptions(o),
      transport: o.transport,
      handshakeTimeoutMs: o.handshakeTimeout * 1000,
      ...(ctx.env.DVPN_V2RAY ? { v2ray: ctx.env.DVPN_V2RAY } : {}),
    },
    p.token,
  );
  if (end.reason !== "stopped" && end.reason !== "deposit") process.exitCode = 3;
  const last = end.legs.at(-1);
  const sessions = end.legs.map((l) => sessionRow(l, p.token));
  ctx.out.result(
    {
      ended: end.reason,
      config: end.configPath ?? null,
      killSwitch: end.killSwitch,
      sessionId: last?.sessionId ?? null,
      provider: last?.provider ?? null,
      usage: last?.end?.delivered ?? null,
      closed: last !== undefined,
      money: last ? legMoneyLine(last, p.token) : null,
      sessions,
      up: true,
    },
    () =>
      keyValues([
        ["ended", end.reason],
        ...end.legs.map((l): [string, string] => [
          `session ${l.sessionId}`,
          `${l.provider}${l.end ? `, ${formatBytes(l.end.delivered.bytes)} signed` : ""}: ${legMoneyLine(l, p.token)}`,
        ]),
        [
          "kill switch",
          end.killSwitch
            ? p.lockdown
              ? "on, lockdown (`dvpn unlock` lifts it)"
              : "on (`dvpn disconnect` lifts it)"
            : "off",
        ],
      ]),
  );
}
