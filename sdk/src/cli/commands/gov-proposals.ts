import { z } from "zod";
import { formatUnits } from "viem";
import { defineCommand } from "../command.ts";
import { formatTime } from "../format.ts";
import { table } from "../output.ts";
import { noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["gov", "proposals"],
  summary: "list governance proposals with their state and tally",
  options: { first: { type: "string", value: "<n>", description: "how many, newest first (default 20)" } },
  schema: z.object({ positionals: noPositionals, first: z.coerce.number().int().min(1).max(1000).default(20) }),
  notes: ["Reads the indexer feed with --indexer, else the Governor's logs and state on chain."],
  examples: ["dvpn gov proposals", "dvpn gov proposals --json --first 5"],
  async run(ctx, o) {
    const client = await ctx.client();
    const t = await ctx.tokens();
    type Row = {
      id: bigint;
      state: string;
      forVotes: bigint;
      againstVotes: bigint;
      abstainVotes: bigint;
      voteEnd: number;
      description: string;
    };
    let rows: Row[];
    if (client.indexerUrl) {
      const page = await client.findProposals({ first: o.first, orderDirection: "desc" });
      rows = page.items.map((p) => ({ ...p, voteEnd: p.voteEnd }));
    } else {
      const defs = (await client.listProposals()).reverse().slice(0, o.first);
      rows = [];
      for (const d of defs) {
        const info = await client.getProposal({ proposalId: d.proposalId });
        rows.push({
          id: d.proposalId,
          state: info.state,
          forVotes: info.votes.for,
          againstVotes: info.votes.against,
          abstainVotes: info.votes.abstain,
          voteEnd: Number(d.voteEnd),
          description: d.description,
        });
      }
    }
    const votes = (v: bigint) => formatUnits(v, t.token.decimals);
    ctx.out.result({ items: rows }, () =>
      rows.length === 0
        ? "no proposals"
        : table(
            ["ID", "STATE", "FOR", "AGAINST", "ABSTAIN", "VOTING ENDS", "DESCRIPTION"],
            rows.map((r) => [
              String(r.id),
              r.state,
              votes(r.forVotes),
              votes(r.againstVotes),
              votes(r.abstainVotes),
              formatTime(r.voteEnd),
              r.description.split("\n")[0]!.slice(0, 60),
            ]),
          ),
    );
  },
});
