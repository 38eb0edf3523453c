/**
 * The whole protocol on one machine: a local chain, the contracts, providers, the indexer and
 * its GraphQL feed, a gateway agent with a real WireGuard interface, and a client that picks a
 * provider from the feed, pays for real traffic through the tunnel with signed vouchers and is
 * refunded the rest; then a governance round that changes the protocol fee.
 *
 * `npm run demo` prints each step; the end-to-end test runs the same function and checks every
 * figure of the returned {@link DemoSummary}.
 */
import { join } from "node:path";
import type { Address } from "viem";
import { createReporter } from "../lib/reporter.ts";
import { createShutdown, type Shutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import type { Availability, Reputation } from "../../sdk/src/index.ts";
import { openClientSession } from "./clientSession.ts";
import { raiseProtocolFee } from "./governance.ts";
import { setUpParticipants } from "./participants.ts";
import { payForTime, payThroughTunnel } from "./payForUsage.ts";
import { startAgentService, type AgentService } from "./services.ts";
import { closeAndSettle, waitForClaims } from "./settlement.ts";
import { startDemoStack } from "./stack.ts";

const root = join(import.meta.dirname, "../..");

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** PostgreSQL URL for the indexer; embedded PGlite in `<dataDir>/indexer` when absent. */
  databaseUrl?: string;
  /** Where the indexer (PGlite) and the gateway agent keep their state; emptied first. Default `.data/demo`. */
  dataDir?: string;
  /** GraphQL port of the indexer (default 4350 when free, else any free one; 0 picks a free one). */
  indexerPort?: number;
  /** Force the data plane off (the demo says so); default: on when the machine allows it. */
  skipDataPlane?: boolean;
  /** Where progress goes (stdout by default). */
  write?: (text: string) => void;
  /** Shutdown registry to add resources to; the caller runs it. */
  shutdown?: Shutdown;
}

/** Every figure the demo prints, for the summary and the end-to-end test. */
export interface DemoSummary {
  dataPlane: { enabled: boolean; reason?: string };
  rpcUrl: string;
  /** The network explorer and governance console (served by the indexer at `/`). */
  explorerUrl: string;
  graphqlUrl: string;
  indexerMetricsUrl: string;
  agentMetricsUrl?: string;
  provider: Address;
  sessionId: bigint;
  terms: { pricePerGiB: bigint; pricePerMinute: bigint; deposit: bigint; feeBps: number };
  /** Bytes the client's WireGuard interface counted (rx + tx) for the provider peer. */
  clientTunnelBytes: bigint;
  /** Body bytes fetched through the tunnel from the internet namespace. */
  contentBytes: number;
  /** What the agent metered for the session (rx + tx), from its voucher API. */
  agentMeteredBytes: bigint;
  /** The agent's voucher lag tolerance in this run. */
  lagTolerance: typeof LAG_TOLERANCE;
  /** The last voucher the provider claimed. */
  voucher: { bytes: bigint; seconds: bigint };
  /** Gross amount paid out of the deposit (provider + fee). */
  paid: bigint;
  providerReceived: bigint;
  fee: bigint;
  refund: bigint;
  claims: number;
  governance: { proposalId: bigint; oldFeeBps: number; newFeeBps: number; feedFeeBps: number };
  reputation: { before: Reputation | undefined; after: Reputation | undefined };
  availability: Availability | undefined;
  elapsedSeconds: number;
}

/**
 * The demo agent's voucher lag tolerance: the agent's default. The client's tunnel session signs
 * ahead of the agent's meter, so the provider needs no extra allowance for the user-space data
 * plane's losses (which the client pays for, within its credit).
 */
export const LAG_TOLERANCE = { bytes: 1n << 20n, percent: 5 };

/** Runs the scenario once and returns its figures. Resources are closed by `options.shutdown`. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const r = createReporter(options.write);
  const shutdown = options.shutdown ?? createShutdown();
  const demoDir = options.dataDir ?? join(root, ".data/demo");
  const stack = await startDemoStack({
    r,
    shutdown,
    demoDir,
    databaseUrl: options.databaseUrl,
    indexerPort: options.indexerPort,
    skipDataPlane: options.skipDataPlane,
  });
  const { topology, chain, deployment, indexer } = stack;
  const { voter, client, provider, gatewayKeys, gatewayKeyFile } = await setUpParticipants(r, shutdown, stack);

  let agent: AgentService | undefined;
  if (topology) {
    agent = await r.step(
      "Start the gateway agent for provider-de (WireGuard in the provider namespace)",
      async (note) => {
        const a = await startAgentService({
          topology,
          rpcUrl: chain.url,
          deploymentFile: stack.deploymentFile,
          providerKeyFile: provider.keyFile,
          wgPrivateKeyFile: gatewayKeyFile,
          iface: `${topology.ifacePrefix}w`,
          dataDir: join(demoDir, "agent"),
          lagTolerance: LAG_TOLERANCE,
        });
        shutdown.add("gateway agent", () => a.stop());
        note(`interface ${a.iface}, voucher API http://${a.gateway}:51830, metrics ${a.metricsUrl}`);
        return a;
      },
    );
  }

  await indexer.waitForChainHead(chain.publicClient);
  const before = await indexer.providerFeed(provider.address);

  const session = await openClientSession(r, client, agent ? undefined : provider);
  const { sessionId, opened } = session;
  const usage =
    topology && agent
      ? await payThroughTunnel({
          r,
          shutdown,
          topology,
          agent,
          client,
          session,
          gatewayPublicKey: gatewayKeys.publicKey,
        })
      : await payForTime({
          r,
          provider,
          session,
          domain: { chainId: chain.chainId, escrow: deployment.contracts.SessionEscrow.address },
        });
  const { tunnel } = usage;
  await waitForClaims(r, client.client, sessionId, usage.lastVoucher);

  const clientTunnelBytes = tunnel ? (await tunnel.counters()).total : 0n;
  const agentMeteredBytes = tunnel && agent ? await agent.metered(tunnel, sessionId) : 0n;
  const figures = await closeAndSettle({
    r,
    chain,
    deployment,
    client: client.client,
    clientAddress: client.address,
    sessionId,
    agentRuns: agent !== undefined,
  });

  const governance = await raiseProtocolFee({ r, chain, deployment, voter: voter.client, reader: client.client });

  await indexer.waitForChainHead(chain.publicClient);
  const feedFeeBps = await indexer.protocolFeeBps();
  const after = await indexer.providerFeed(provider.address);

  return {
    dataPlane: stack.dataPlane,
    rpcUrl: chain.url,
    explorerUrl: indexer.explorerUrl,
    graphqlUrl: indexer.graphqlUrl,
    indexerMetricsUrl: indexer.metricsUrl,
    ...(agent ? { agentMetricsUrl: agent.metricsUrl } : {}),
    provider: provider.address,
    sessionId,
    terms: {
      pricePerGiB: opened.pricePerGiB,
      pricePerMinute: opened.pricePerMinute,
      deposit: opened.deposit,
      feeBps: opened.feeBps,
    },
    clientTunnelBytes,
    contentBytes: usage.contentBytes,
    agentMeteredBytes,
    lagTolerance: LAG_TOLERANCE,
    voucher: usage.lastVoucher,
    ...figures,
    governance: { ...governance, feedFeeBps },
    reputation: { before: before?.reputation, after: after?.reputation },
    availability: after?.availability,
    elapsedSeconds: r.elapsed(),
  };
}
