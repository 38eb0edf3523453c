import { z } from "zod";
import { defineCommand } from "../command.ts";
import { formatAmount, parseAmount } from "../format.ts";
import { keyValues } from "../output.ts";
import { amountText, noPositionals, txView } from "./shared.ts";

export default defineCommand({
  path: ["provider", "register"],
  summary: "register this account as a provider and stake (one transaction, with a permit)",
  options: {
    endpoint: { type: "string", value: "<host:port>", description: "WireGuard endpoint clients connect to" },
    "wg-public-key": { type: "string", value: "<base64>", description: "the gateway's WireGuard public key" },
    region: { type: "string", value: "<CC>", description: "ISO 3166-1 alpha-2 region, e.g. DE" },
    "price-gib": { type: "string", value: "<amount>", description: "price per GiB, in payment tokens" },
    "price-min": { type: "string", value: "<amount>", description: "price per minute, in payment tokens" },
    "max-sessions": { type: "string", value: "<n>", description: "most sessions at once" },
    stake: { type: "string", value: "<amount>", description: "stake, in DVPN (at least the minimum stake)" },
  },
  schema: z.object({
    positionals: noPositionals,
    endpoint: z.string({ message: "is required" }),
    wgPublicKey: z.string({ message: "is required" }),
    region: z.string({ message: "is required" }),
    priceGib: amountText,
    priceMin: amountText,
    maxSessions: z.coerce.number().int().min(1).max(4_294_967_295),
    stake: amountText,
  }),
  examples: [
    "dvpn provider register --endpoint vpn.example.org:51820 --wg-public-key $(wg pubkey < gw.key) \\\n" +
      "    --region DE --price-gib 0.05 --price-min 0.0001 --max-sessions 100 --stake 1000 --key-file ~/.dvpn/key",
  ],
  async run(ctx, o) {
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const r = await client.registerProvider({
      endpoint: o.endpoint,
      wgPublicKey: o.wgPublicKey,
      region: o.region,
      pricePerGiB: parseAmount(o.priceGib, t.paymentToken, "--price-gib"),
      pricePerMinute: parseAmount(o.priceMin, t.paymentToken, "--price-min"),
      maxSessions: o.maxSessions,
      stake: parseAmount(o.stake, t.token, "--stake"),
    });
    ctx.out.result({ provider: r.provider, stake: r.stake, ...txView(r) }, () =>
      keyValues([
        ["registered", r.provider],
        ["stake", formatAmount(r.stake, t.token)],
        ["transaction", r.hash],
      ]),
    );
  },
});
