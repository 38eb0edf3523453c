import { z } from "zod";
import { defineCommand } from "../command.ts";
import { keyValues } from "../output.ts";
import { noPositionals, txView } from "./shared.ts";

export default defineCommand({
  path: ["provider", "heartbeat"],
  summary: "record that this provider is alive (the gateway agent does it on a timer)",
  options: {},
  schema: z.object({ positionals: noPositionals }),
  examples: ["dvpn provider heartbeat --key-file ~/.dvpn/key", "DVPN_PRIVATE_KEY=0x… dvpn provider heartbeat --json"],
  async run(ctx) {
    const client = await ctx.client(true);
    const r = await client.sendHeartbeat();
    ctx.out.result({ provider: client.account!.address, ...txView(r) }, () =>
      keyValues([
        ["heartbeat", client.account!.address],
        ["transaction", r.hash],
      ]),
    );
  },
});
