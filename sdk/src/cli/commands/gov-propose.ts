import { z } from "zod";
import { defineCommand } from "../command.ts";
import { formatTime, parseAmount } from "../format.ts";
import { UsageError } from "../errors.ts";
import { keyValues } from "../output.ts";
import { GOVERNABLE_PARAMETERS, type GovernableParameter } from "../../actions/governance/buildParameterChange.ts";
import type { ProposalAction } from "../../actions/governance/proposal.ts";
import { addressText, amountText, noPositionals, txView } from "./shared.ts";

const TOKEN_PARAMETERS = new Set(["minStake", "proposalThreshold"]);

export default defineCommand({
  path: ["gov", "propose"],
  summary: "propose parameter changes or a slash",
  options: {
    set: { type: "string", multiple: true, value: "<name=value>", description: "set a protocol parameter" },
    slash: { type: "string", value: "<provider>", description: "slash this provider" },
    "slash-amount": { type: "string", value: "<amount>", description: "DVPN to slash (with --slash)" },
    beneficiary: { type: "string", value: "<address>", description: "receives the slashed DVPN (with --slash)" },
    description: { type: "string", value: "<text>", description: "what and why (its hash is part of the id)" },
  },
  schema: z.object({
    positionals: noPositionals,
    set: z.array(z.string().regex(/^[A-Za-z]+=\S+$/, "must be name=value, e.g. protocolFeeBps=100")).optional(),
    slash: addressText.optional(),
    slashAmount: amountText.optional(),
    beneficiary: addressText.optional(),
    description: z.string({ message: "is required" }).min(1, "is required"),
  }),
  notes: [
    `Parameters: ${Object.keys(GOVERNABLE_PARAMETERS).join(", ")}.`,
    "minStake and proposalThreshold are in DVPN; periods in seconds; *Bps in basis points; treasury an address.",
    "Each value is checked against the contract's hard bounds before anything is sent.",
  ],
  examples: [
    'dvpn gov propose --set protocolFeeBps=100 --description "Lower the protocol fee to 1%"',
    'dvpn gov propose --set heartbeatTimeout=600 --set acceptTimeout=120 --description "Faster liveness"',
    'dvpn gov propose --slash 0x7099…79C8 --slash-amount 50 --beneficiary 0x3C44…93BC --description "Logged traffic"',
  ],
  async run(ctx, o) {
    if (!o.set?.length && !o.slash) throw new UsageError("give at least one --set name=value or --slash <provider>");
    if (o.slash && (!o.slashAmount || !o.beneficiary)) {
      throw new UsageError("--slash needs --slash-amount and --beneficiary");
    }
    const client = await ctx.client(true);
    const t = await ctx.tokens();
    const actions: ProposalAction[] = [];
    for (const item of o.set ?? []) {
      const [name, raw] = item.split("=") as [string, string];
      if (!(name in GOVERNABLE_PARAMETERS)) {
        throw new UsageError(`unknown parameter "${name}": one of ${Object.keys(GOVERNABLE_PARAMETERS).join(", ")}`);
      }
      const value =
        name === "treasury"
          ? (raw as `0x${string}`)
          : TOKEN_PARAMETERS.has(name)
            ? parseAmount(raw, t.token, name)
            : /^\d+$/.test(raw)
              ? BigInt(raw)
              : (() => {
                  throw new UsageError(`${name} must be a whole number, got "${raw}"`);
                })();
      actions.push(client.buildParameterChange({ parameter: name as GovernableParameter, value }));
    }
    if (o.slash) {
      actions.push(
        client.buildSlash({
          provider: o.slash,
          amount: parseAmount(o.slashAmount!, t.token, "--slash-amount"),
          beneficiary: o.beneficiary!,
        }),
      );
    }
    const r = await client.propose({ actions, description: o.description });
    ctx.out.result({ proposalId: r.proposalId, voteStart: r.voteStart, voteEnd: r.voteEnd, ...txView(r) }, () =>
      keyValues([
        ["proposal", String(r.proposalId)],
        ["voting opens", formatTime(r.voteStart)],
        ["voting closes", formatTime(r.voteEnd)],
        ["transaction", r.hash],
      ]),
    );
  },
});
