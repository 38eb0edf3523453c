import { z } from "zod";
import { defineCommand } from "../command.ts";
import { parseAmount } from "../format.ts";
import { UsageError } from "../errors.ts";
import { keyValues } from "../output.ts";
import { amountText, noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["provider", "update"],
  summary: "change the endpoint, WireGuard key, region, capacity or prices",
  options: {
    endpoint: { type: "string", value: "<host:port>", description: "new WireGuard endpoint" },
    "wg-public-key": { type: "string", value: "<base64>", description: "new WireGuard public key" },
    region: { type: "string", value: "<CC>", description: "new region" },
    "max-sessions": { type: "string", value: "<n>", description: "new capacity" },
    "price-gib": { type: "string", value: "<amount>", description: "new price per GiB (with --price-min)" },
    "price-min": { type: "string", value: "<amount>", description: "new price per minute (with --price-gib)" },
  },
  schema: z.object({
    positionals: noPositionals,
    endpoint: z.string().optional(),
    wgPublicKey: z.string().optional(),
    region: z.string().optional(),
    maxSessions: z.coerce.number().int().min(1).max(4_294_967_295).optional(),
    priceGib: amountText.optional(),
    priceMin: amountText.optional(),
  }),
  notes: ["Only the fields given change. Prices apply to new sessions; open ones keep theirs."],
  examples: [
    "dvpn provider update --endpoint vpn2.example.org:51820",
    "dvpn provider update --price-gib 0.04 --price-min 0.0001",
  ],
  async run(ctx, o) {
    const profile = o.endpoint ?? o.wgPublicKey ?? o.region ?? o.maxSessions;
    const prices = o.priceGib ?? o.priceMin;
    if (profile === undefined && prices === undefined)
      throw new UsageError("nothing to update: give at least one option");
    if (prices !== undefined && (o.priceGib === undefined || o.priceMin === undefined)) {
      throw new UsageError("give both --price-gib and --price-min");
    }
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const hashes: string[] = [];
    const pricePerGiB = o.priceGib !== undefined ? parseAmount(o.priceGib, t.paymentToken, "--price-gib") : undefined;
    const pricePerMinute =
      o.priceMin !== undefined ? parseAmount(o.priceMin, t.paymentToken, "--price-min") : undefined;
    if (profile !== undefined) {
      const r = await client.updateProvider({
        ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
        ...(o.wgPublicKey !== undefined ? { wgPublicKey: o.wgPublicKey } : {}),
        ...(o.region !== undefined ? { region: o.region } : {}),
        ...(o.maxSessions !== undefined ? { maxSessions: o.maxSessions } : {}),
      });
      hashes.push(r.hash);
    }
    if (pricePerGiB !== undefined && pricePerMinute !== undefined) {
      hashes.push((await client.setPrices({ pricePerGiB, pricePerMinute })).hash);
    }
    const p = await client.getProvider({ provider: client.account!.address });
    ctx.out.result({ provider: p.address, transactionHashes: hashes }, () =>
      keyValues([
        ["updated", p.address],
        ["endpoint", p.endpoint],
        ["region", p.region],
        ["sessions", String(p.maxSessions)],
        ["transactions", hashes.join(", ")],
      ]),
    );
  },
});
