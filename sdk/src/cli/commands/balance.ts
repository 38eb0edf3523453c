import { z } from "zod";
import { formatEther } from "viem";
import { defineCommand } from "../command.ts";
import { KeyError } from "../context.ts";
import { formatAmount } from "../format.ts";
import { keyValues } from "../output.ts";
import { addressText, noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["balance"],
  summary: "an account's ETH, DVPN and payment-token balances and voting power",
  options: { address: { type: "string", value: "<address>", description: "the account (default: this account)" } },
  schema: z.object({ positionals: noPositionals, address: addressText.optional() }),
  examples: ["dvpn balance --key-file ~/.dvpn/key", "dvpn balance --address 0x3C44…93BC --json"],
  async run(ctx, o) {
    const client = await ctx.client();
    const address = o.address ?? client.account?.address;
    if (!address) throw new KeyError("give --address, or a key (--key-file / DVPN_PRIVATE_KEY) for your own account");
    const t = await ctx.tokens();
    const b = await client.getBalances({ address });
    ctx.out.result(b, () =>
      keyValues([
        ["address", b.address],
        ["native", `${formatEther(b.native)} ETH`],
        [t.token.symbol, formatAmount(b.token, t.token)],
        [t.paymentToken.symbol, formatAmount(b.paymentToken, t.paymentToken)],
        ["voting power", formatAmount(b.votes, t.token)],
        ["delegates to", /^0x0{40}$/.test(b.delegate) ? "nobody (run `dvpn gov delegate`)" : b.delegate],
      ]),
    );
  },
});
