import { z } from "zod";
import { defineCommand } from "../command.ts";
import { formatAmount, formatTime, parseAmount } from "../format.ts";
import { keyValues } from "../output.ts";
import { amountText, noPositionals, txView } from "./shared.ts";

export default defineCommand({
  path: ["provider", "unstake"],
  summary: "start unbonding stake (all of it deregisters the provider)",
  options: { amount: { type: "string", value: "<amount>", description: "DVPN to unbond" } },
  schema: z.object({ positionals: noPositionals, amount: amountText }),
  notes: ["The stake stays slashable until withdrawn with `dvpn provider withdraw` after the unbonding period."],
  examples: ["dvpn provider unstake --amount 200"],
  async run(ctx, o) {
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const r = await client.requestUnstake({ amount: parseAmount(o.amount, t.token, "--amount") });
    ctx.out.result(
      { unbonding: r.unbonding, releaseTime: r.releaseTime, deregistered: r.deregistered, ...txView(r) },
      () =>
        keyValues([
          ["unbonding", formatAmount(r.unbonding, t.token)],
          ["withdrawable from", formatTime(r.releaseTime)],
          ["deregistered", String(r.deregistered)],
          ["transaction", r.hash],
        ]),
    );
  },
});
