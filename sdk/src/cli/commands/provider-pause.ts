import { z } from "zod";
import { defineCommand } from "../command.ts";
import { keyValues } from "../output.ts";
import { noPositionals, txView } from "./shared.ts";

export default defineCommand({
  path: ["provider", "pause"],
  summary: "stop taking new sessions (open ones continue)",
  options: {},
  schema: z.object({ positionals: noPositionals }),
  examples: ["dvpn provider pause --key-file ~/.dvpn/key", "DVPN_PRIVATE_KEY=0x… dvpn provider pause --json"],
  async run(ctx) {
    const client = await ctx.client(true);
    const r = await client.pauseProvider();
    ctx.out.result({ provider: client.account!.address, ...txView(r) }, () =>
      keyValues([
        ["pause", client.account!.address],
        ["transaction", r.hash],
      ]),
    );
  },
});
