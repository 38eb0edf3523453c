import { z } from "zod";
import { defineCommand } from "../command.ts";
import { formatAmount } from "../format.ts";
import { keyValues } from "../output.ts";
import { idPositional, txView } from "./shared.ts";

export default defineCommand({
  path: ["session", "finalize"],
  summary: "settle a closed session after its settlement window (anyone may)",
  args: "<session-id>",
  options: {},
  schema: z.object({ positionals: idPositional("session") }),
  examples: ["dvpn session finalize 12 --key-file ~/.dvpn/key"],
  async run(ctx, o) {
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const r = await client.finalizeSession({ sessionId: o.positionals });
    ctx.out.result({ sessionId: o.positionals, paid: r.paid ?? null, refund: r.refund ?? null, ...txView(r) }, () =>
      keyValues([
        ["finalized", String(o.positionals)],
        ["paid to provider", formatAmount(r.paid ?? 0n, t.paymentToken)],
        ["refunded", formatAmount(r.refund ?? 0n, t.paymentToken)],
        ["transaction", r.hash],
      ]),
    );
  },
});
