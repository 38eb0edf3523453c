import { z } from "zod";
import { formatUnits } from "viem";
import { defineCommand } from "../command.ts";
import { keyValues } from "../output.ts";
import { idPositional, txView } from "./shared.ts";

export default defineCommand({
  path: ["gov", "vote"],
  summary: "vote for, against or abstain on an active proposal",
  args: "<proposal-id>",
  options: {
    support: { type: "string", value: "<for|against|abstain>", description: "your vote" },
    reason: { type: "string", value: "<text>", description: "recorded on chain with the vote" },
  },
  schema: z.object({
    positionals: idPositional("proposal"),
    support: z.enum(["for", "against", "abstain"], { message: "must be for, against or abstain" }),
    reason: z.string().optional(),
  }),
  notes: ["Votes count only if delegated before the proposal's snapshot: `dvpn gov delegate` first."],
  examples: ['dvpn gov vote 4242… --support for --reason "cheaper for users"'],
  async run(ctx, o) {
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const r = await client.castVote({
      proposalId: o.positionals,
      support: o.support,
      ...(o.reason ? { reason: o.reason } : {}),
    });
    ctx.out.result({ proposalId: o.positionals, support: o.support, weight: r.weight, ...txView(r) }, () =>
      keyValues([
        ["voted", `${o.support} on ${o.positionals}`],
        ["weight", formatUnits(r.weight, t.token.decimals)],
        ["transaction", r.hash],
      ]),
    );
  },
});
