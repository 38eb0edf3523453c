import { z } from "zod";
import { defineCommand } from "../command.ts";
import { formatAmount, formatBytes, formatDuration, formatTime } from "../format.ts";
import { keyValues } from "../output.ts";
import { idPositional } from "./shared.ts";

export default defineCommand({
  path: ["session", "status"],
  summary: "a session's state, terms and payments",
  args: "<session-id>",
  options: {},
  schema: z.object({ positionals: idPositional("session") }),
  examples: ["dvpn session status 12", "dvpn session status 12 --json"],
  async run(ctx, o) {
    const client = await ctx.client();
    const t = await ctx.tokens();
    const s = await client.getSession({ sessionId: o.positionals });
    if (s.status === "None")
      throw new (await import("../errors.ts")).UsageError(`session ${o.positionals} does not exist`);
    const feed = client.indexerUrl ? await client.getFeedSession({ id: s.sessionId }) : undefined;
    const view = { ...s, tunnelAddress: feed?.tunnelAddress ?? null, refund: feed?.refund ?? null };
    ctx.out.result(view, () =>
      keyValues([
        ["session", String(s.sessionId)],
        ["status", s.status],
        ["client", s.client],
        ["provider", s.provider],
        ["voucher signer", s.signer],
        ["deposit", formatAmount(s.deposit, t.paymentToken)],
        ["price per GiB", formatAmount(s.pricePerGiB, t.paymentToken)],
        ["price per minute", formatAmount(s.pricePerMinute, t.paymentToken)],
        ["protocol fee", `${s.feeBps / 100}%`],
        ["claimed", `${formatBytes(s.claimedBytes)}, ${formatDuration(Number(s.claimedSeconds))}`],
        ["paid", formatAmount(s.paid, t.paymentToken)],
        [
          s.status === "Pending" ? "accept deadline" : s.status === "Closing" ? "settlement deadline" : "deadline",
          formatTime(s.deadline),
        ],
        ...(view.tunnelAddress ? [["tunnel address", view.tunnelAddress] as [string, string]] : []),
      ]),
    );
  },
});
