/**
 * `npm run agent -- [--config agent.json] [--rpc-url URL] [--deployment deployments/31337.json] …`
 * Runs the gateway agent until SIGINT/SIGTERM; shutdown leaves the interface and live peers up.
 * `npm run agent -- uninstall [--config agent.json]` removes the agent's nftables table and
 * interface (the data folder stays).
 * Options: flags > DVPN_AGENT_* environment > JSON config file > defaults (gateway-agent/README.md).
 */
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
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`gateway-agent: ${signal}, shutting down (peers stay up)\n`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`gateway-agent: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  await agent.start();
}

main().catch((err: unknown) => {
  const msg = err instanceof AgentError ? err.message : ((err as Error)?.stack ?? String(err));
  process.stderr.write(`gateway-agent: ${msg}\n`);
  process.exit(1);
});
