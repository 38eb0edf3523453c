import { z } from "zod";
import { defineCommand } from "../command.ts";
import { formatAmount, formatDuration } from "../format.ts";
import { keyValues } from "../output.ts";
import { GOVERNABLE_PARAMETERS } from "../../actions/governance/buildParameterChange.ts";
import { noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["params"],
  summary: "the protocol's governable parameters as set on chain, with their bounds",
  options: {},
  schema: z.object({ positionals: noPositionals }),
  notes: ["Change one with `dvpn gov propose --set <name>=<value>`."],
  examples: ["dvpn params", "dvpn params --json | jq .escrow.protocolFeeBps"],
  async run(ctx) {
    const client = await ctx.client();
    const t = await ctx.tokens();
    const p = await client.getParameters();
    const bounds = (name: keyof typeof GOVERNABLE_PARAMETERS, show: (v: bigint) => string) => {
      const b = GOVERNABLE_PARAMETERS[name];
      return b.min === undefined ? "" : ` [${show(b.min)} .. ${show(b.max)}]`;
    };
    const secs = (v: bigint) => formatDuration(Number(v));
    const raw = (v: bigint) => v.toString();
    const dvpn = (v: bigint) => formatAmount(v, t.token);
    ctx.out.result(p, () =>
      keyValues([
        ["minStake", `${dvpn(p.registry.minStake)}${bounds("minStake", dvpn)}`],
        ["unbondingPeriod", `${secs(BigInt(p.registry.unbondingPeriod))}${bounds("unbondingPeriod", secs)}`],
        ["heartbeatTimeout", `${secs(BigInt(p.registry.heartbeatTimeout))}${bounds("heartbeatTimeout", secs)}`],
        ["maxSlashBps", `${p.registry.maxSlashBps}${bounds("maxSlashBps", raw)}`],
        ["protocolFeeBps", `${p.escrow.protocolFeeBps}${bounds("protocolFeeBps", raw)}`],
        ["acceptTimeout", `${secs(BigInt(p.escrow.acceptTimeout))}${bounds("acceptTimeout", secs)}`],
        ["settlementWindow", `${secs(BigInt(p.escrow.settlementWindow))}${bounds("settlementWindow", secs)}`],
        ["treasury", p.escrow.treasury],
        ["votingDelay", `${secs(p.governor.votingDelay)}${bounds("votingDelay", secs)}`],
        ["votingPeriod", `${secs(p.governor.votingPeriod)}${bounds("votingPeriod", secs)}`],
        ["proposalThreshold", dvpn(p.governor.proposalThreshold)],
        ["quorumNumerator", `${p.governor.quorumNumerator}%${bounds("quorumNumerator", raw)}`],
        ["timelockDelay", `${secs(p.governor.timelockDelay)}${bounds("timelockDelay", secs)}`],
      ]),
    );
  },
});
