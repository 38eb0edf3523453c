import { z } from "zod";
import { defineCommand } from "../command.ts";
import { formatAmount, parseAmount } from "../format.ts";
import { keyValues } from "../output.ts";
import { amountText, noPositionals, txView } from "./shared.ts";

export default defineCommand({
  path: ["provider", "stake"],
  summary: "add stake (approves the registry first when needed)",
  options: { amount: { type: "string", value: "<amount>", description: "DVPN to add" } },
  schema: z.object({ positionals: noPositionals, amount: amountText }),
  examples: ["dvpn provider stake --amount 500"],
  async run(ctx, o) {
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const r = await client.addStake({ amount: parseAmount(o.amount, t.token, "--amount") });
    ctx.out.result({ added: r.amount, stake: r.stake, ...txView(r) }, () =>
      keyValues([
        ["added", formatAmount(r.amount, t.token)],
        ["stake", formatAmount(r.stake, t.token)],
        ["transaction", r.hash],
      ]),
    );
  },
});
