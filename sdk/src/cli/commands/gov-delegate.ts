import { z } from "zod";
import { formatUnits } from "viem";
import { defineCommand } from "../command.ts";
import { keyValues } from "../output.ts";
import { addressText, noPositionals, txView } from "./shared.ts";

export default defineCommand({
  path: ["gov", "delegate"],
  summary: "delegate your DVPN votes (to yourself by default)",
  options: { to: { type: "string", value: "<address>", description: "delegatee (default: this account)" } },
  schema: z.object({ positionals: noPositionals, to: addressText.optional() }),
  examples: ["dvpn gov delegate", "dvpn gov delegate --to 0x3C44…93BC"],
  async run(ctx, o) {
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const r = await client.delegateVotes(o.to ? { delegatee: o.to } : {});
    const b = await client.getBalances();
    ctx.out.result({ delegate: b.delegate, votes: b.votes, ...txView(r) }, () =>
      keyValues([
        ["delegated to", b.delegate],
        ["your voting power", formatUnits(b.votes, t.token.decimals)],
        ["transaction", r.hash],
      ]),
    );
  },
});
