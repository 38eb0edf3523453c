import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { loadConfig } from "../../../../gateway-agent/src/config/load.ts";
import { AgentError } from "../../../../gateway-agent/src/errors.ts";
import { ensureTransportCredentials } from "../../../../gateway-agent/src/transport/credentials.ts";
import { certificateSha256 } from "../../transport/certificate.ts";
import { checkTransportOffer, type TransportOffer } from "../../transport/offer.ts";
import { defineCommand } from "../command.ts";
import { UsageError } from "../errors.ts";
import { keyValues } from "../output.ts";
import { addressText, noPositionals, transportLines } from "./shared.ts";

export default defineCommand({
  path: ["provider", "transport"],
  summary: "show or publish the obfuscated transport that carries a provider's WireGuard",
  options: {
    "agent-config": {
      type: "string",
      value: "<file>",
      description: "publish the transport this agent.json runs (its transport* options and credentials)",
    },
    kind: {
      type: "string",
      value: "<v2ray|none>",
      description: "publish by hand: v2ray, or none to withdraw the offer",
    },
    port: { type: "string", value: "<port>", description: "with --kind v2ray: its TCP port (default 443)" },
    cert: { type: "string", value: "<file>", description: "with --kind v2ray: the server's certificate (PEM) to pin" },
    "client-id-file": {
      type: "string",
      value: "<file>",
      description: "with --kind v2ray: the file holding its client id",
    },
    address: { type: "string", value: "<address>", description: "show this provider's (default: this account)" },
  },
  schema: z.object({
    positionals: noPositionals,
    agentConfig: z.string().optional(),
    kind: z.enum(["v2ray", "none"]).optional(),
    port: z.coerce.number().int().min(1).max(65535).default(443),
    cert: z.string().optional(),
    clientIdFile: z.string().optional(),
    address: addressText.optional(),
  }),
  notes: [
    "Everything published is public: a censor reads the offer like anyone (see the README, " +
      "'What a censor sees'). The offer is checked before anything is sent; a bad one costs nothing.",
  ],
  examples: [
    "dvpn provider transport --agent-config /etc/dvpn/agent.json --key-file /etc/dvpn/provider.key",
    "dvpn provider transport --kind v2ray --port 443 --cert cert.pem --client-id-file client-id",
    "dvpn provider transport --kind none",
    "dvpn provider transport --address 0x7099…79C8",
  ],
  async run(ctx, o) {
    if (o.agentConfig !== undefined && o.kind !== undefined)
      throw new UsageError("give --agent-config or --kind, not both");
    let offer: TransportOffer | null | undefined;
    if (o.agentConfig !== undefined) {
      try {
        const config = loadConfig({ argv: ["--config", o.agentConfig] });
        if (config.transport === "none")
          throw new UsageError(`${o.agentConfig} runs no transport (set "transport": "v2ray")`);
        const c = await ensureTransportCredentials({
          dataDir: resolve(config.dataDir),
          v2ctl: config.v2ctl,
          ...(config.transportServerName ? { serverName: config.transportServerName } : {}),
        });
        offer = { kind: "v2ray", port: config.transportPort, certSha256: c.certSha256, clientId: c.clientId };
      } catch (err) {
        if (err instanceof AgentError)
          throw new UsageError(err.message.replace(/:\n\s*/, ": ").replace(/\n\s*/g, "; "));
        throw err;
      }
    } else if (o.kind === "none") offer = null;
    else if (o.kind === "v2ray") {
      if (!o.cert || !o.clientIdFile) throw new UsageError("--kind v2ray needs --cert and --client-id-file");
      let pem: string;
      let clientId: string;
      try {
        pem = readFileSync(o.cert, "utf8");
        clientId = readFileSync(o.clientIdFile, "utf8").trim();
      } catch (err) {
        throw new UsageError(
          `cannot read ${(err as NodeJS.ErrnoException).path ?? "a file"}: ${(err as Error).message}`,
        );
      }
      let certSha256;
      try {
        certSha256 = certificateSha256(pem);
      } catch {
        throw new UsageError(`${o.cert} is not a PEM certificate`);
      }
      offer = { kind: "v2ray", port: o.port, certSha256, clientId };
    }
    if (offer === undefined) {
      const client = await ctx.client();
      const address = o.address ?? client.account?.address;
      if (!address)
        throw new UsageError("give --address, or a key (--key-file / DVPN_PRIVATE_KEY) for your own provider");
      const current = await client.getTransport({ provider: address });
      ctx.out.result({ provider: address, transport: current ?? null }, () =>
        keyValues([["provider", address], ...transportLines(current)]),
      );
      return;
    }
    if (o.address !== undefined) throw new UsageError("--address only shows an offer; publishing uses your key");
    if (offer) offer = checkTransportOffer(offer); // before any transaction
    const client = await ctx.client(true);
    const r = await client.setTransport({ offer });
    ctx.out.result({ provider: client.account!.address, transport: offer, transactionHash: r.hash }, () =>
      keyValues([
        ["published", client.account!.address],
        ...(offer ? transportLines(offer) : ([["transport", "(withdrawn)"]] as [string, string][])),
        ["transaction", r.hash],
      ]),
    );
  },
});
