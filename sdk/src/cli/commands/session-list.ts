import { z } from "zod";
import { defineCommand } from "../command.ts";
import { KeyError } from "../context.ts";
import { formatAmount, formatBytes } from "../format.ts";
import { table } from "../output.ts";
import { addressText, noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["session", "list"],
  summary: "your sessions (or a client's / a provider's), newest first",
  options: {
    client: { type: "string", value: "<address>", description: "sessions of this client (default: this account)" },
    provider: { type: "string", value: "<address>", description: "sessions with this provider" },
  },
  schema: z.object({ positionals: noPositionals, client: addressText.optional(), provider: addressText.optional() }),
  notes: ["Reads the escrow's SessionOpened logs; the indexer feed serves larger histories."],
  examples: ["dvpn session list --key-file ~/.dvpn/key", "dvpn session list --provider 0x7099…79C8 --json"],
  async run(ctx, o) {
    const client = await ctx.client();
    const who = o.client ?? (o.provider ? undefined : client.account?.address);
    if (!who && !o.provider) {
      throw new KeyError("give --client or --provider, or a key (--key-file / DVPN_PRIVATE_KEY) for your own sessions");
    }
    const t = await ctx.tokens();
    const sessions = await client.listSessions({
      ...(who ? { client: who } : {}),
      ...(o.provider ? { provider: o.provider } : {}),
    });
    ctx.out.result({ items: sessions }, () =>
      sessions.length === 0
        ? "no sessions"
        : table(
            ["ID", "STATUS", "PROVIDER", "CLIENT", "DEPOSIT", "PAID", "USED"],
            sessions.map((s) => [
              String(s.sessionId),
              s.status,
              s.provider,
              s.client,
              formatAmount(s.deposit, t.paymentToken),
              formatAmount(s.paid, t.paymentToken),
              formatBytes(s.claimedBytes),
            ]),
          ),
    );
  },
});
