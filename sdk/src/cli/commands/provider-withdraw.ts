import { z } from "zod";
import { defineCommand } from "../command.ts";
import { formatAmount } from "../format.ts";
import { keyValues } from "../output.ts";
import { noPositionals, txView } from "./shared.ts";

export default defineCommand({
  path: ["provider", "withdraw"],
  summary: "withdraw unbonded stake once the unbonding period is over",
  options: {},
  schema: z.object({ positionals: noPositionals }),
  examples: ["dvpn provider withdraw --key-file ~/.dvpn/key"],
  async run(ctx) {
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const r = await client.withdrawStake();
    ctx.out.result({ withdrawn: r.amount, ...txView(r) }, () =>
      keyValues([
        ["withdrawn", formatAmount(r.amount, t.token)],
        ["transaction", r.hash],
      ]),
    );
  },
});
