import { z } from "zod";
import { defineCommand } from "../command.ts";
import { KeyError } from "../context.ts";
import { formatBytes, formatAmount } from "../format.ts";
import { keyValues } from "../output.ts";
import { addressText, exitPolicyLine, noPositionals, providerLines, providerView, transportLines } from "./shared.ts";

export default defineCommand({
  path: ["provider", "status"],
  summary: "a provider's record, availability, exit policy, transport and (with --indexer) reputation",
  options: { address: { type: "string", value: "<address>", description: "the provider (default: this account)" } },
  schema: z.object({ positionals: noPositionals, address: addressText.optional() }),
  examples: ["dvpn provider status --key-file ~/.dvpn/key", "dvpn provider status --address 0x7099…79C8 --json"],
  async run(ctx, o) {
    const client = await ctx.client();
    const address = o.address ?? client.account?.address;
    if (!address) throw new KeyError("give --address, or a key (--key-file / DVPN_PRIVATE_KEY) for your own provider");
    const t = await ctx.tokens();
    const record = await client.getProvider({ provider: address });
    const available = await client.isProviderAvailable({ provider: address });
    const exitPolicy = await client.getExitPolicy({ provider: address });
    const transport = (await client.getTransport({ provider: address })) ?? null;
    const feed = client.indexerUrl ? await client.getFeedProvider({ id: record.address }) : undefined;
    const view = {
      ...providerView({ ...record, available }),
      exitPolicy,
      transport,
      reputation: feed?.reputation ?? null,
    };
    ctx.out.result(view, () => {
      const lines = providerLines(view, t);
      if (!record.registered) lines.unshift(["note", "not a registered provider"]);
      lines.push(["exit policy", exitPolicyLine(exitPolicy)], ...transportLines(transport));
      if (feed) {
        const r = feed.reputation;
        lines.push(
          ["score", r.score.toFixed(1)],
          ["uptime 24h / 7d", `${(r.uptime24h * 100).toFixed(1)}% / ${(r.uptime7d * 100).toFixed(1)}%`],
          ["acceptance rate", r.acceptanceRate === null ? "-" : `${(r.acceptanceRate * 100).toFixed(1)}%`],
          ["sessions completed", String(r.sessionsCompleted)],
          ["bytes served", formatBytes(r.bytesServed)],
          ["paid volume", formatAmount(r.paidVolume, t.paymentToken)],
          ["slashes", `${r.slashCount} (${formatAmount(r.slashedAmount, t.token)})`],
        );
      }
      return keyValues(lines);
    });
  },
});
