import { z } from "zod";
import { defineCommand } from "../command.ts";
import { keyValues } from "../output.ts";
import { idPositional, txView } from "./shared.ts";

export default defineCommand({
  path: ["gov", "queue"],
  summary: "queue a succeeded proposal in the timelock",
  args: "<proposal-id>",
  options: {},
  schema: z.object({ positionals: idPositional("proposal") }),
  notes: ["The proposal's actions and description are read from its ProposalCreated log."],
  examples: ["dvpn gov queue 4242… --key-file ~/.dvpn/key"],
  async run(ctx, o) {
    const client = await ctx.client(true);
    const proposal = await client.getProposalDefinition({ proposalId: o.positionals });
    const r = await client.queueProposal(proposal);
    const state = await client.getProposalState({ proposalId: o.positionals });
    ctx.out.result({ proposalId: o.positionals, state, ...txView(r) }, () =>
      keyValues([
        ["proposal", String(o.positionals)],
        ["state", state],
        ["transaction", r.hash],
      ]),
    );
  },
});
