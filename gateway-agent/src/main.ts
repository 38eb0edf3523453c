/**
 * `npm run agent -- [--config agent.json] [--rpc-url URL] [--deployment deployments/31337.json] …`
 * Runs the gateway agent until SIGINT/SIGTERM; shutdown leaves the interface and live peers up.
 * `npm run agent -- uninstall [--config agent.json]` removes the agent's nftables table and
 * interface (the data folder stays).
 * Options: flags > DVPN_AGENT_* environment > JSON config file > defaults (gateway-agent/README.md).
 */
import { createShutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import { createGatewayAgent } from "./agent.ts";
import { loadConfig, usage } from "./config/load.ts";
import { AgentError } from "./errors.ts";
import { uninstall } from "./uninstall.ts";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage());
    return;
  }
  if (argv[0] === "uninstall") {
    const removed = await uninstall(loadConfig({ argv: argv.slice(1), env: process.env }));
    process.stdout.write(`removed ${removed.join(", ")}; the data folder is kept (unclaimed vouchers, keys)\n`);
    return;
  }
  const config = loadConfig({ argv, env: process.env });
  const agent = createGatewayAgent(config);
  // SIGINT/SIGTERM stop the agent (exit 0; 1 when stopping failed or took over 30 s).
  const shutdown = createShutdown({
    handleSignals: true,
    signalExitCode: 0,
    timeoutMs: 30_000,
    log: (line) => process.stderr.write(`gateway-agent: ${line}\n`),
  });
  shutdown.add("the agent (peers stay up)", () => agent.stop());
  await agent.start();
}

main().catch((err: unknown) => {
  const msg = err instanceof AgentError ? err.message : ((err as Error)?.stack ?? String(err));
  process.stderr.write(`gateway-agent: ${msg}\n`);
  process.exit(1);
});
