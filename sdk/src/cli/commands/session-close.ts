import { z } from "zod";
import { defineCommand } from "../command.ts";
import { formatAmount, formatTime } from "../format.ts";
import { keyValues } from "../output.ts";
import { idPositional, txView } from "./shared.ts";

export default defineCommand({
  path: ["session", "close"],
  summary: "close a session (the client's close opens the settlement window)",
  args: "<session-id>",
  options: {},
  schema: z.object({ positionals: idPositional("session") }),
  notes: [
    "Closed by the client, the provider may still claim until the settlement deadline; then",
    "`dvpn session finalize <id>` returns the rest of the deposit. A pending session that the",
    "provider has not accepted is cancelled instead (full refund at once; the client may withdraw",
    "a pending session any time, anyone else after its accept deadline).",
  ],
  examples: ["dvpn session close 12 --key-file ~/.dvpn/key"],
  async run(ctx, o) {
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const s = await client.getSession({ sessionId: o.positionals });
    if (s.status === "Pending") {
      const r = await client.cancelSession({ sessionId: o.positionals });
      ctx.out.result({ sessionId: o.positionals, cancelled: true, refund: r.refund, ...txView(r) }, () =>
        keyValues([
          ["cancelled", String(o.positionals)],
          ["refund", formatAmount(r.refund, t.paymentToken)],
          ["transaction", r.hash],
        ]),
      );
      return;
    }
    const r = await client.closeSession({ sessionId: o.positionals });
    ctx.out.result(
      {
        sessionId: o.positionals,
        settlementDeadline: r.settlementDeadline,
        paid: r.paid ?? null,
        refund: r.refund ?? null,
        ...txView(r),
      },
      () =>
        keyValues([
          ["closed", String(o.positionals)],
          r.settlementDeadline
            ? ["finalize after", formatTime(r.settlementDeadline)]
            : ["refund", formatAmount(r.refund ?? 0n, t.paymentToken)],
          ["transaction", r.hash],
        ]),
    );
  },
});
