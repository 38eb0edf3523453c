import { z } from "zod";
import { defineCommand } from "../command.ts";
import { keyValues } from "../output.ts";
import { noPositionals, txView } from "./shared.ts";

export default defineCommand({
  path: ["provider", "unpause"],
  summary: "take new sessions again",
  options: {},
  schema: z.object({ positionals: noPositionals }),
  examples: ["dvpn provider unpause --key-file ~/.dvpn/key", "DVPN_PRIVATE_KEY=0x… dvpn provider unpause --json"],
  async run(ctx) {
    const client = await ctx.client(true);
    const r = await client.unpauseProvider();
    ctx.out.result({ provider: client.account!.address, ...txView(r) }, () =>
      keyValues([
        ["unpause", client.account!.address],
        ["transaction", r.hash],
      ]),
    );
  },
});
