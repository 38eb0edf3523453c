/**
 * The long-running parts the demo starts: the indexer (in-process) and the gateway agent (a
 * child process inside the provider namespace, where its WireGuard interface lives).
 */
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Address, PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { gatewayOf, parsePool } from "../../gateway-agent/src/addresses/pool.ts";
import { resolvePools } from "../../gateway-agent/src/addresses/resolvePools.ts";
import { loadPrivateKey } from "../../gateway-agent/src/config/privateKey.ts";
import { createIndexer } from "../../indexer/src/createIndexer.ts";
import type { Deployment } from "../../sdk/src/deployment/types.ts";
import { feedRequest, getFeedMeta, getFeedProvider, type Availability, type Reputation } from "../../sdk/src/index.ts";
import type { DvpnContext } from "../../sdk/src/client/types.ts";
import type { Topology } from "../lib/netns.ts";
import { timedFetch } from "../lib/timedFetch.ts";
import { waitFor } from "../lib/waitFor.ts";
import { FEED_TIMEOUT_MS } from "./accounts.ts";
import type { ClientTunnel } from "./clientTunnel.ts";

const root = join(import.meta.dirname, "../..");

/** A running indexer and the feed reads the demo needs. */
export interface IndexerService {
  /** The network explorer at `/`. */
  explorerUrl: string;
  graphqlUrl: string;
  metricsUrl: string;
  /** Resolves once the feed's `_meta` block has reached the chain's current head. */
  waitForChainHead(publicClient: PublicClient): Promise<void>;
  providerFeed(provider: Address): Promise<{ reputation: Reputation; availability: Availability } | undefined>;
  protocolFeeBps(): Promise<number>;
  stop(): Promise<void>;
}

/** A running gateway agent. */
export interface AgentService {
  iface: string;
  gateway: string;
  metricsUrl: string;
  /** What the agent metered for a session, read through the client's tunnel from its voucher API. */
  metered(tunnel: ClientTunnel, sessionId: bigint): Promise<bigint>;
  stop(): Promise<void>;
}

/** Starts the indexer in this process and waits until it has caught up with the chain. */
export async function startIndexerService(params: {
  rpcUrl: string;
  deployment: Deployment;
  databaseUrl?: string;
  dataDir?: string;
  port?: number;
}): Promise<IndexerService> {
  const indexer = createIndexer({
    rpcUrl: params.rpcUrl,
    deployment: params.deployment,
    databaseUrl: params.databaseUrl,
    dataDir: params.dataDir,
    port: params.port ?? 4350,
    pollIntervalMs: 250,
    logLevel: process.env.DVPN_LOG_LEVEL ?? "warn",
  });
  await indexer.start();
  await indexer.ready;
  const graphqlUrl = indexer.url;
  const feed = { indexerUrl: graphqlUrl, fetch: timedFetch(FEED_TIMEOUT_MS) } as DvpnContext;
  return {
    explorerUrl: graphqlUrl.replace(/graphql$/, ""),
    graphqlUrl,
    metricsUrl: graphqlUrl.replace(/\/graphql$/, "/metrics"),
    async waitForChainHead(publicClient) {
      const head = await publicClient.getBlockNumber();
      await waitFor(
        async () => (((await getFeedMeta(feed)).block?.number ?? -1) >= Number(head) ? true : undefined),
        60_000,
      );
    },
    async providerFeed(provider) {
      const p = await getFeedProvider(feed, { id: provider });
      return p ? { reputation: p.reputation, availability: p.availability } : undefined;
    },
    async protocolFeeBps() {
      const data = await feedRequest<{ parameters: { protocolFeeBps: number } }>(
        feed,
        "query { parameters { protocolFeeBps } }",
        {},
      );
      return data.parameters.protocolFeeBps;
    },
    stop: () => indexer.stop(),
  };
}

/**
 * Starts the gateway agent as a child process inside the provider namespace (its WireGuard
 * interface, its gateway address and its voucher API live there) and waits for /healthz.
 */
export async function startAgentService(params: {
  topology: Topology;
  rpcUrl: string;
  deploymentFile: string;
  providerKeyFile: string;
  wgPrivateKeyFile: string;
  iface: string;
  dataDir: string;
  lagTolerance: { bytes: bigint; percent: number };
  /**
   * A second agent in the same namespace needs its own port, pool and metrics port (defaults 51820,
   * the pool derived from the provider's account, 9464).
   */
  wgListenPort?: number;
  ipv4Pool?: string;
  ipv6Pool?: string;
  metricsPort?: number;
  /** More agent options (`--firewall true`, `--dns-upstream …`). */
  extraArgs?: string[];
}): Promise<AgentService> {
  rmSync(params.dataDir, { recursive: true, force: true });
  mkdirSync(params.dataDir, { recursive: true });
  const metricsPort = params.metricsPort ?? 9464;
  const own = [
    ...(params.wgListenPort ? ["--wg-listen-port", String(params.wgListenPort)] : []),
    ...(params.ipv4Pool ? ["--ipv4-pool", params.ipv4Pool] : []),
    ...(params.ipv6Pool ? ["--ipv6-pool", params.ipv6Pool] : []),
  ];
  // Under the guard: if the demo dies without stopping it, the agent stops too.
  const child = params.topology.spawn(
    params.topology.provider,
    process.execPath,
    [
      join(root, "scripts/lib/guard.ts"),
      "--",
      process.execPath,
      join(root, "gateway-agent/src/main.ts"),
      "--rpc-url",
      params.rpcUrl,
      "--deployment",
      params.deploymentFile,
      "--private-key-file",
      params.providerKeyFile,
      "--wg-private-key-file",
      params.wgPrivateKeyFile,
      "--interface",
      params.iface,
      "--data-dir",
      params.dataDir,
      "--backend",
      "userspace",
      "--voucher-listen",
      "gateway:51830",
      "--metrics-listen",
      `${params.topology.providerUplink}:${metricsPort}`,
      "--confirmations",
      "0",
      "--poll-interval-ms",
      "250",
      "--reconcile-interval-ms",
      "1000",
      // Claim as soon as a voucher is worth anything, and at least every 2 s, so the demo shows it.
      "--claim-every-amount",
      "1",
      "--claim-interval-seconds",
      "2",
      "--lag-tolerance-bytes",
      params.lagTolerance.bytes.toString(),
      "--lag-tolerance-percent",
      String(params.lagTolerance.percent),
      "--address-quarantine-seconds",
      "0",
      ...own,
      ...(params.extraArgs ?? []),
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  const log = createWriteStream(join(params.dataDir, "agent.log"));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const metricsUrl = `http://${params.topology.providerUplink}:${metricsPort}/metrics`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          resolve();
        }, 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // The demo's interface goes with the namespace; the agent itself leaves peers up on purpose.
    await params.topology.run(params.topology.provider, "ip", ["link", "del", params.iface]).catch(() => {});
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null)
        throw new Error(`the agent exited (${child.exitCode}); see ${join(params.dataDir, "agent.log")}`);
      const res = await fetch(metricsUrl.replace(/metrics$/, "healthz"), { signal: AbortSignal.timeout(1000) }).catch(
        () => undefined,
      );
      return res?.ok ? true : undefined;
    }, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  // The data folder is new: the agent uses the configured pool or the one derived from its account.
  const pools = resolvePools({
    ipv4Pool: params.ipv4Pool,
    ipv6Pool: params.ipv6Pool,
    provider: privateKeyToAccount(loadPrivateKey({ privateKeyFile: params.providerKeyFile })).address,
  });
  const gateway = gatewayOf(parsePool(pools.ipv4Pool, null)).ipv4;
  return {
    iface: params.iface,
    gateway,
    metricsUrl,
    async metered(tunnel, sessionId) {
      const res = await tunnel.get(`http://${gateway}:51830/v1/sessions/${sessionId}`);
      const body = res.body as { meteredBytes?: string } | null;
      if (res.status !== 200 || !body?.meteredBytes)
        throw new Error(`agent session API answered ${res.status} ${JSON.stringify(body)}`);
      return BigInt(body.meteredBytes);
    },
    stop,
  };
}
