import { z } from "zod";
import { initProvider } from "../../../../gateway-agent/src/install/init.ts";
import { AgentError } from "../../../../gateway-agent/src/errors.ts";
import { defineCommand } from "../command.ts";
import { UsageError } from "../errors.ts";
import { keyValues } from "../output.ts";
import { noPositionals } from "./shared.ts";

export default defineCommand({
  path: ["provider", "init"],
  summary: "prepare this host to run the gateway agent as a service (keys, agent.json, systemd unit)",
  options: {
    dir: { type: "string", value: "<dir>", description: "keys and agent.json (default /etc/dvpn)" },
    "data-dir": { type: "string", value: "<dir>", description: "the agent's store (default /var/lib/dvpn-agent)" },
    "unit-dir": {
      type: "string",
      value: "<dir>",
      description: "where dvpn-agent.service goes (default /etc/systemd/system)",
    },
    uplink: { type: "string", value: "<ifname>", description: "masquerade out of this interface only (e.g. eth0)" },
    "rate-limit-mbit": { type: "string", value: "<n>", description: "per-client limit each way, Mbit/s (0: none)" },
    "exit-deny-ports": { type: "string", value: "<list>", description: 'ports clients may not reach (default "25")' },
    interface: { type: "string", value: "<ifname>", description: "WireGuard interface (default dvpn0)" },
    "listen-port": { type: "string", value: "<port>", description: "WireGuard UDP port (default 51820)" },
    force: { type: "boolean", description: "overwrite an existing agent.json and unit (keys are always kept)" },
  },
  schema: z.object({
    positionals: noPositionals,
    dir: z.string().default("/etc/dvpn"),
    dataDir: z.string().default("/var/lib/dvpn-agent"),
    unitDir: z.string().default("/etc/systemd/system"),
    uplink: z.string().optional(),
    rateLimitMbit: z.string().optional(),
    exitDenyPorts: z.string().optional(),
    interface: z.string().optional(),
    listenPort: z.string().optional(),
    force: z.boolean().default(false),
  }),
  examples: [
    "dvpn provider init --rpc https://rpc.example.org --deployment deployments/8453.json --uplink eth0 --rate-limit-mbit 100",
  ],
  notes: [
    "Writes provider.key and wg.key (mode 0600, kept when present), a validated agent.json with the firewall on, " +
      "and dvpn-agent.service (sandboxed, CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only). Nothing is sent on-chain: it prints the " +
      "`dvpn provider register` to run with the gateway's public key, and the `dvpn provider exit-policy` " +
      "that publishes the agent's exit policy. See docs/operators.md.",
  ],
  async run(ctx, o) {
    if (!ctx.globals.deployment)
      throw new UsageError("give --deployment deployments/<chainId>.json (the agent reads it)");
    const options: Record<string, unknown> = {};
    if (o.uplink !== undefined) options.uplink = o.uplink;
    if (o.rateLimitMbit !== undefined) options.peerRateLimitMbit = o.rateLimitMbit;
    if (o.exitDenyPorts !== undefined) options.exitDenyPorts = o.exitDenyPorts;
    if (o.interface !== undefined) options.interface = o.interface;
    if (o.listenPort !== undefined) options.wgListenPort = o.listenPort;
    let r;
    try {
      r = initProvider({
        dir: o.dir,
        dataDir: o.dataDir,
        unitDir: o.unitDir,
        rpcUrl: ctx.globals.rpc,
        deployment: ctx.globals.deployment,
        options,
        force: o.force,
      });
    } catch (err) {
      if (err instanceof AgentError) throw new UsageError(err.message.replace(/:\n\s*/, ": ").replace(/\n\s*/g, "; "));
      throw err;
    }
    const register =
      `dvpn provider register --key-file ${r.files.providerKey} --endpoint <public-host>:${o.listenPort ?? 51820} ` +
      `--wg-public-key ${r.wgPublicKey} --region <CC> --price-gib <amount> --price-min <amount> ` +
      `--max-sessions <n> --stake <amount>`;
    const publish = `dvpn provider exit-policy --key-file ${r.files.providerKey} --agent-config ${r.files.config}`;
    const next = [register, publish, "systemctl daemon-reload", "systemctl enable --now dvpn-agent"];
    ctx.out.result({ ...r, next }, () =>
      keyValues([
        ["provider", `${r.provider}${r.providerKeyCreated ? " (new key: fund it before registering)" : ""}`],
        ["wireguard public key", `${r.wgPublicKey}${r.wgKeyCreated ? " (new)" : ""}`],
        ["provider key", r.files.providerKey],
        ["wireguard key", r.files.wgKey],
        ["config", r.files.config],
        ["unit", r.files.unit],
        ["next", register],
        ["publish", publish],
        ["then", "systemctl daemon-reload && systemctl enable --now dvpn-agent"],
      ]),
    );
  },
});
