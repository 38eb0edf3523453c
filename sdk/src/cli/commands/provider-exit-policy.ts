import { z } from "zod";
import { loadConfig } from "../../../../gateway-agent/src/config/load.ts";
import { AgentError } from "../../../../gateway-agent/src/errors.ts";
import { publishedExitPolicy } from "../../../../gateway-agent/src/firewall/fromConfig.ts";
import { describeExitPolicy } from "../../exitPolicy/exitPolicy.ts";
import { defineCommand } from "../command.ts";
import { UsageError } from "../errors.ts";
import { keyValues } from "../output.ts";
import { addressText, noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["provider", "exit-policy"],
  summary: "show or publish a provider's exit policy (where its clients may go)",
  options: {
    policy: {
      type: "string",
      value: "<text>",
      description: 'publish this policy, e.g. "deny-ports=25;deny-ranges=10.0.0.0/8" ("" clears it)',
    },
    "agent-config": {
      type: "string",
      value: "<file>",
      description: "publish the policy this agent.json enforces (its exit* options)",
    },
    address: { type: "string", value: "<address>", description: "show this provider's (default: this account)" },
  },
  schema: z.object({
    positionals: noPositionals,
    policy: z.string().optional(),
    agentConfig: z.string().optional(),
    address: addressText.optional(),
  }),
  notes: [
    "The agent enforces its policy whatever is published; publishing tells clients and the feed " +
      "(`allowsPort` / `deniesPort` filters). The agent warns at start when the two differ. " +
      "The policy is checked before anything is sent; a bad one costs nothing.",
  ],
  examples: [
    "dvpn provider exit-policy --agent-config /etc/dvpn/agent.json --key-file /etc/dvpn/provider.key",
    'dvpn provider exit-policy --policy "deny-ports=25,465;deny-ranges=10.0.0.0/8"',
    "dvpn provider exit-policy --address 0x7099…79C8",
  ],
  async run(ctx, o) {
    if (o.policy !== undefined && o.agentConfig !== undefined)
      throw new UsageError("give --policy or --agent-config, not both");
    let policy = o.policy;
    if (o.agentConfig !== undefined) {
      try {
        policy = publishedExitPolicy(loadConfig({ argv: ["--config", o.agentConfig] }));
      } catch (err) {
        if (err instanceof AgentError)
          throw new UsageError(err.message.replace(/:\n\s*/, ": ").replace(/\n\s*/g, "; "));
        throw err;
      }
    }
    if (policy === undefined) {
      const client = await ctx.client();
      const address = o.address ?? client.account?.address;
      if (!address)
        throw new UsageError("give --address, or a key (--key-file / DVPN_PRIVATE_KEY) for your own provider");
      const text = await client.getExitPolicy({ provider: address });
      ctx.out.result({ provider: address, exitPolicy: text }, () =>
        keyValues([
          ["provider", address],
          ["exit policy", text === "" ? "(none published)" : text],
          ["meaning", describeExitPolicy(text)],
        ]),
      );
      return;
    }
    if (o.address !== undefined) throw new UsageError("--address only shows a policy; publishing uses your key");
    describeExitPolicy(policy); // checks it before any transaction
    const client = await ctx.client(true);
    const r = await client.setExitPolicy({ policy });
    ctx.out.result({ provider: client.account!.address, exitPolicy: policy, transactionHash: r.hash }, () =>
      keyValues([
        ["published", client.account!.address],
        ["exit policy", policy === "" ? "(cleared)" : policy],
        ["meaning", describeExitPolicy(policy)],
        ["transaction", r.hash],
      ]),
    );
  },
});
