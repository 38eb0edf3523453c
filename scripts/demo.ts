/**
 * `npm run demo`: the whole protocol on one machine (see scripts/demo/runDemo.ts).
 *
 *   npm run demo                 play the scenario, then keep everything running until Ctrl-C
 *   npm run demo -- --once       exit 0 after the summary
 *   npm run demo -- --no-tunnel  skip the WireGuard data plane
 *
 * DATABASE_URL=postgres://… makes the indexer use PostgreSQL instead of embedded PGlite.
 */
import { parseArgs } from "node:util";
import { createReporter } from "./lib/reporter.ts";
import { createShutdown } from "../sdk/src/shutdown/createShutdown.ts";
import { runDemo } from "./demo/runDemo.ts";
import { printSummary } from "./demo/summary.ts";

const { values } = parseArgs({
  options: { once: { type: "boolean" }, "no-tunnel": { type: "boolean" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log("usage: npm run demo [-- --once] [-- --no-tunnel]\n  DATABASE_URL=postgres://… to index into PostgreSQL");
  process.exit(0);
}

const write = (t: string) => process.stdout.write(t);
const shutdown = createShutdown({ handleSignals: true });
write("dvpn demo: a local chain, the protocol, an indexer, a gateway agent and a client, on this machine\n\n");
try {
  const summary = await runDemo({
    shutdown,
    write,
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    ...(values["no-tunnel"] ? { skipDataPlane: true } : {}),
  });
  printSummary(summary, createReporter(write), write);
  if (values.once) {
    await shutdown.shutdown();
    process.exit(0);
  }
  write("\nEverything keeps running for exploration. Press Ctrl-C to stop and clean up.\n");
  await new Promise(() => {});
} catch (err) {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.DVPN_DEBUG) console.error(err);
  await shutdown.shutdown();
  process.exit(1);
}
