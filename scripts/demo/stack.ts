/**
 * The demo's infrastructure, started in order and registered for shutdown: the network
 * namespaces of the data plane (when the machine allows it), a local chain, the protocol deployed
 * on it and the indexer with its GraphQL feed and the explorer.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createWalletClient, http, type Address, type Chain } from "viem";
import { buildExplorer } from "../build-web.ts";
import { deployProtocol } from "../deploy/deployProtocol.ts";
import { isPortFree, startLocalChain, type LocalChain } from "../../test/kit/localChain.ts";
import {
  createTopology,
  dataPlaneUnavailableReason,
  ownedTag,
  sweepStaleTopologies,
  type Topology,
} from "../lib/netns.ts";
import type { Reporter } from "../lib/reporter.ts";
import type { Shutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import type { Deployment } from "../../sdk/src/deployment/types.ts";
import { localChain } from "./accounts.ts";
import { startIndexerService, type IndexerService } from "./services.ts";

const root = join(import.meta.dirname, "../..");

/** What {@link startDemoStack} started. */
export interface DemoStack {
  dataPlane: { enabled: boolean; reason?: string };
  /** The namespaces of the data plane; absent when it is off. */
  topology: Topology | undefined;
  chain: LocalChain;
  /** The local chain as a viem `Chain`. */
  viemChain: Chain;
  /** The chain's first unlocked account, which deployed the protocol and funds the demo accounts. */
  funder: Address;
  deployment: Deployment;
  /** The deployment record written under deployments/. */
  deploymentFile: string;
  indexer: IndexerService;
}

/** Starts the demo's infrastructure; each part is closed by `shutdown`. */
export async function startDemoStack(params: {
  r: Reporter;
  shutdown: Shutdown;
  /** Where the indexer's embedded database lives (emptied first) when no `databaseUrl` is given. */
  demoDir: string;
  databaseUrl?: string | undefined;
  indexerPort?: number | undefined;
  skipDataPlane?: boolean | undefined;
}): Promise<DemoStack> {
  const { r, shutdown } = params;
  const reason = params.skipDataPlane ? "disabled by --no-tunnel" : await dataPlaneUnavailableReason();
  const dataPlane = { enabled: reason === undefined, ...(reason ? { reason } : {}) };

  let topology: Topology | undefined;
  if (dataPlane.enabled) {
    topology = await r.step("Create the demo network (provider, client and internet namespaces)", async (note) => {
      for (const tag of await sweepStaleTopologies())
        note(`removed the network of an earlier run that was killed (${tag})`);
      const t = await createTopology(ownedTag());
      shutdown.add("network namespaces", () => t.destroy());
      note(`namespaces ${t.provider}, ${t.client}, ${t.internet}`);
      return t;
    });
  } else {
    r.note(`WireGuard data plane skipped: ${reason}.`);
    r.note("Everything else runs for real; the provider accepts and is paid for time only.");
  }

  const chain = await r.step("Start a local chain (hardhat node)", async (note) => {
    const c = await startLocalChain(topology ? { hostname: topology.hostAddress } : {});
    shutdown.add("local chain", () => c.stop());
    note(`JSON-RPC ${c.url}, chain id ${c.chainId}`);
    return c;
  });
  const viemChain = localChain(chain.url, chain.chainId);
  const [funder] = (await chain.publicClient.request({ method: "eth_accounts" } as never)) as Address[];
  if (!funder) throw new Error("the local chain has no unlocked account");

  const { deployment, deploymentFile } = await r.step("Deploy the protocol", async (note) => {
    const walletClient = createWalletClient({ chain: viemChain, transport: http(chain.url), account: funder });
    const d = await deployProtocol({ publicClient: chain.publicClient, walletClient: walletClient as never });
    const dir = join(root, "deployments");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${d.chainId}.json`);
    writeFileSync(file, JSON.stringify(d, null, 2) + "\n");
    for (const [name, c] of Object.entries(d.contracts)) note(`${name.padEnd(17)} ${c.address}`);
    note(`deployment record: deployments/${d.chainId}.json`);
    return { deployment: d, deploymentFile: file };
  });

  const indexer = await r.step("Start the indexer, its GraphQL feed and the explorer", async (note) => {
    // Normally built by the set-up already; builds here on a clone where it is missing or stale.
    if (await buildExplorer()) note("built the explorer (npm run build:web)");
    const dataDir = join(params.demoDir, "indexer");
    if (!params.databaseUrl) rmSync(dataDir, { recursive: true, force: true });
    const s = await startIndexerService({
      rpcUrl: chain.url,
      deployment,
      port: params.indexerPort ?? ((await isPortFree(4350)) ? 4350 : 0),
      ...(params.databaseUrl ? { databaseUrl: params.databaseUrl } : { dataDir }),
    });
    shutdown.add("indexer", () => s.stop());
    note(`explorer ${s.explorerUrl}`);
    note(
      `GraphQL ${s.graphqlUrl} (${params.databaseUrl ? "PostgreSQL" : `embedded PGlite in ${relative(root, dataDir)}`})`,
    );
    return s;
  });

  return { dataPlane, topology, chain, viemChain, funder, deployment, deploymentFile, indexer };
}
