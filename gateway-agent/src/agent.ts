/**
 * `createGatewayAgent(config)`: the provider daemon. Wires the store, the address pool, the
 * WireGuard backend, the chain, the voucher API and /metrics, and runs the loops:
 * chain poll (events past the confirmation depth → store → reconcile → actions), a reconcile
 * timer (metering, payment policy, drift repair), a resync timer (getSession of every open
 * session) and registry heartbeats. Every loop runs through one queue, so passes never overlap.
 */
import { join, resolve } from "node:path";
import pino, { type Logger } from "pino";
import type { Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createAddressPool, gatewayOf, parsePool } from "./addresses/pool.ts";
import { resolvePools } from "./addresses/resolvePools.ts";
import type { AgentChain } from "./chain/types.ts";
import { createSdkChain } from "./chain/sdkChain.ts";
import { createChainSync } from "./chain/sync.ts";
import type { AgentConfig, AgentConfigInput, PooledAgentConfig } from "./config/schema.ts";
import { resolveDeployment } from "./config/deployment.ts";
import { validateConfig } from "./config/load.ts";
import { loadPrivateKey } from "./config/privateKey.ts";
import { meteredUsage, type AgentContext } from "./context.ts";
import { createMeterHistory } from "./payment/meterHistory.ts";
import { firewallFromConfig, publishedExitPolicy, warnIfUnpublished } from "./firewall/fromConfig.ts";
import type { Firewall } from "./firewall/nftables.ts";
import { dnsFromConfig } from "./dns/fromConfig.ts";
import type { DnsForwarder } from "./dns/forwarder.ts";
import { createMetrics, type Metrics } from "./http/metrics.ts";
import { peerSamples } from "./http/peerSamples.ts";
import { startEndpoints, type EndpointUrls, type Endpoints } from "./http/startEndpoints.ts";
import { createLoops } from "./loops.ts";
import { settle } from "./payment/settle.ts";
import { createDataPlane } from "./reconcile/dataPlane.ts";
import type { ReconcileResult } from "./reconcile/reconcile.ts";
import { acceptPending } from "./sessions/accept.ts";
import { rejectRefused } from "./sessions/reject.ts";
import { resync } from "./sessions/resync.ts";
import { openStore, type SessionRecord, type Store } from "./store/store.ts";
import type { WgBackend } from "./wireguard/backend.ts";
import { ensureKeyFile } from "./wireguard/keyfile.ts";
import { wgKeyToBytes32 } from "../../sdk/src/wireguard/keys.ts";
import { createSystemBackend } from "./wireguard/system.ts";
import { transportFromConfig } from "./transport/fromConfig.ts";
import type { TransportServer } from "./transport/server.ts";

/** Parts a caller may supply instead of the real ones (tests, benchmarks, embedding). */
export interface GatewayAgentDeps {
  backend?: WgBackend;
  chain?: AgentChain;
  /** The nftables owner (default: from the config's `firewall` options with the real `nft`). */
  firewall?: Firewall;
  /** The gateway's DNS forwarder (default: from the config's `dns` options; none with a mock data plane). */
  dns?: DnsForwarder;
  logger?: Logger;
  /** Unix seconds. */
  now?: () => number;
}

/** A running (or startable) agent. */
export interface GatewayAgent {
  /** The validated configuration, with the pools in use (see `resolvePools`). */
  config: PooledAgentConfig;
  store: Store;
  backend: WgBackend;
  chain: AgentChain;
  metrics: Metrics;
  /** Creates/adopts the interface, backfills the chain, reconciles, opens the HTTP endpoints, starts the loops. */
  start(): Promise<void>;
  /** Stops the loops and endpoints; leaves the interface and live peers up. */
  stop(): Promise<void>;
  /** One chain poll + reconcile + actions pass, now. */
  tick(): Promise<void>;
  /** One reconcile pass, now. */
  reconcile(): Promise<ReconcileResult>;
  /** One resync (getSession of every open session) + reconcile, now. */
  resync(): Promise<void>;
  /** Where the voucher API and /metrics listen (after start). */
  urls(): EndpointUrls;
  /** A session as the agent sees it, with its metered usage. */
  session(id: bigint): (SessionRecord & { meteredSeconds: bigint }) | undefined;
  /** Milliseconds from the agent's first sight of a session's SessionOpened to peer present / accept mined. */
  timings(): Map<string, { seen: number; peer?: number; accepted?: number }>;
}

/**
 * Creates the agent. Validates `input` first (throws {@link ConfigError} naming every bad option).
 * @example
 * const agent = createGatewayAgent({ rpcUrl, deployment: "deployments/31337.json", privateKeyFile: "provider.key" });
 * await agent.start();
 * createShutdown({ handleSignals: true, signalExitCode: 0 }).add("agent", () => agent.stop());
 */
export function createGatewayAgent(input: AgentConfigInput | AgentConfig, deps: GatewayAgentDeps = {}): GatewayAgent {
  const validated = validateConfig(input);
  const log =
    deps.logger ??
    pino({
      level: validated.logLevel,
      base: { svc: "gateway-agent" },
      redact: { paths: ["privateKey", "*.privateKey", "config.privateKey"], censor: "[redacted]" },
    });
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const dataDir = resolve(validated.dataDir);
  const deployment = resolveDeployment(validated.deployment);
  const wgKeyFile = resolve(validated.wgPrivateKeyFile ?? join(dataDir, "wg.key"));

  const chain =
    deps.chain ??
    createSdkChain({
      rpcUrl: validated.rpcUrl,
      deployment,
      account: privateKeyToAccount(loadPrivateKey(validated)),
      pollingIntervalMs: Math.min(250, validated.pollIntervalMs),
      maxLogRange: BigInt(validated.maxLogRange),
    });
  const store = openStore(join(dataDir, "agent.sqlite"));
  let pools;
  try {
    pools = resolvePools({
      ipv4Pool: validated.ipv4Pool,
      ipv6Pool: validated.ipv6Pool,
      provider: chain.provider,
      store,
    });
  } catch (err) {
    store.close();
    throw err;
  }
  log.info(
    { ipv4Pool: pools.ipv4Pool, ipv6Pool: pools.ipv6Pool, source: pools.source, derived: pools.derived },
    "tunnel address pools",
  );
  const config: PooledAgentConfig = { ...validated, ipv4Pool: pools.ipv4Pool, ipv6Pool: pools.ipv6Pool };
  const layout = parsePool(config.ipv4Pool, config.ipv6Pool || null);
  const gateway = gatewayOf(layout);
  const backend =
    deps.backend ??
    createSystemBackend({
      iface: config.interface,
      privateKeyFile: wgKeyFile,
      listenPort: config.wgListenPort,
      addresses: [gateway.v4Cidr, ...(gateway.v6Cidr ? [gateway.v6Cidr] : [])],
      prefer: config.backend,
      wireguardGo: config.wireguardGo,
      runDir: dataDir,
      ...(config.mtu ? { mtu: config.mtu } : {}),
      ...(config.netns ? { netns: config.netns } : {}),
      log: log.child({ part: "wireguard" }),
    });
  const firewall =
    deps.firewall ?? (deps.backend ? undefined : firewallFromConfig(config, log.child({ part: "nftables" })));
  const metrics = createMetrics();
  const dns =
    deps.dns ?? (deps.backend ? undefined : dnsFromConfig(config, layout, log.child({ part: "dns" }), metrics));
  const pool = createAddressPool({
    layout,
    quarantineSeconds: config.addressQuarantineSeconds,
    entries: store.addresses(),
    cursor: Number(store.getMeta("poolCursor") ?? 1),
  });
  const ctx: AgentContext = {
    config,
    store,
    pool,
    backend,
    chain,
    log,
    metrics,
    now,
    maxPeers: config.maxPeers || pool.capacity,
    meterHistory: createMeterHistory(config.lagGraceSeconds),
  };

  const timings = new Map<string, { seen: number; peer?: number; accepted?: number }>();
  let endpoints: Endpoints | undefined;
  let urls: EndpointUrls = {};
  let transport: TransportServer | undefined;
  let running = false;
  let lastOk = 0;
  const { serial, every: loop, stop: stopLoops } = createLoops({ log, metrics, running: () => running });
  const { ensureInterface, reconcileOnce, watch, interfaceUp, lastDump } = createDataPlane({ ctx, firewall, timings });
  if (config.metricsPerPeer) metrics.setPeerSource(backend.iface, () => peerSamples(store, lastDump()));

  const { syncChain, reverifying } = createChainSync({
    ctx,
    startBlock: BigInt(deployment.startBlock) - 1n,
    timings,
    reconcileOnce,
  });

  async function actions(): Promise<void> {
    if (reverifying()) {
      // Until every session is checked against the canonical chain, nothing is sent: a reused id
      // could be accepted for another client, a claim or close would act on the losing branch.
      // Metering and the interface go on (the reconcile before this).
      log.warn("re-verification after a reorganisation pending; no accepts, claims or closes this pass");
      updateSessionGauges();
      return;
    }
    await acceptPending(ctx, (s) => {
      const v = timings.get(s.id.toString());
      if (v) v.accepted = performance.now();
    });
    await rejectRefused(ctx);
    await settle(ctx);
    // Sessions that ended in this pass lose their peer now rather than at the next timer.
    if (store.listPeered().some((s) => s.provisioned && (s.cutReason || s.status !== "active"))) {
      await reconcileOnce();
      await settle(ctx);
    }
    updateSessionGauges();
  }

  function updateSessionGauges(): void {
    const counts = store.countByStatus();
    for (const st of ["accepting", "active", "closing"] as const) {
      metrics.set("dvpn_agent_sessions", counts[st] ?? 0, { status: st });
    }
  }

  async function tick(): Promise<void> {
    await serial(async () => {
      await syncChain();
      await reconcileOnce();
      await actions();
      lastOk = Date.now();
    });
  }

  async function heartbeatOnce(): Promise<void> {
    try {
      await chain.heartbeat();
      metrics.inc("dvpn_agent_heartbeats_total");
    } catch (err) {
      log.warn({ err: (err as Error).message }, "heartbeat failed");
    }
  }

  const agent: GatewayAgent = {
    config,
    store,
    backend,
    chain,
    metrics,
    async start() {
      if (running) return;
      running = true;
      metrics.set("dvpn_agent_up", 1);
      if (!deps.backend) {
        const key = ensureKeyFile(wgKeyFile);
        if (key.created)
          log.warn({ wgPublicKey: key.publicKey }, "generated a WireGuard key; register this public key");
        if (key.tightened) log.warn({ file: wgKeyFile }, "WireGuard key file was readable by others; set to 0600");
        try {
          const p = await chain.getProvider();
          if (!p.registered)
            log.warn({ provider: chain.provider }, "provider is not registered: sessions cannot be opened");
          else if (p.wgPublicKey.toLowerCase() !== wgKeyToBytes32(key.publicKey).toLowerCase()) {
            log.warn(
              { wgPublicKey: key.publicKey },
              "the registry holds another WireGuard key for this provider; clients will fail",
            );
          }
          if (!config.maxPeers && p.maxSessions > 0) ctx.maxPeers = Math.min(pool.capacity, p.maxSessions);
          if (p.registered && firewall && chain.exitPolicy) warnIfUnpublished(await chain.exitPolicy(), config, log);
        } catch (err) {
          log.warn({ err: (err as Error).message }, "could not read the provider record");
        }
      }
      await serial(async () => {
        await ensureInterface("start");
        await reconcileOnce();
      });
      if (!deps.backend) {
        // After the interface, whose UDP port it forwards to; a failure stops the start.
        transport = await transportFromConfig(config, dataDir, log.child({ part: "transport" }));
        await transport?.start();
      }
      watch(serial, () => running);
      try {
        await serial(() => resync(ctx));
        await tick();
      } catch (err) {
        // Peers were restored from the store above; the chain loops retry until the RPC answers.
        log.warn({ err: (err as Error).message }, "chain unreachable at start; serving known peers and retrying");
      }

      endpoints = await startEndpoints({
        ctx,
        gateway,
        dns,
        firewall,
        health: () => {
          const ago = Date.now() - lastOk;
          const fresh = ago < Math.max(3 * config.pollIntervalMs, 3 * config.reconcileIntervalMs, 30_000);
          const up = interfaceUp();
          return { ok: running && up && fresh, interfaceUp: up, lastPassAgoMs: ago, mode: backend.mode() };
        },
      });
      urls = endpoints.urls;

      if (config.pauseOnShutdown) {
        try {
          if ((await chain.getProvider()).paused) await chain.unpause();
        } catch (err) {
          log.warn({ err: (err as Error).message }, "could not unpause in the registry");
        }
      }
      if (config.heartbeat) {
        let every = config.heartbeatIntervalSeconds;
        if (!every) {
          try {
            every = Math.max(10, Math.floor((await chain.heartbeatTimeout()) / 3));
          } catch {
            every = 300;
          }
        }
        await heartbeatOnce();
        loop("heartbeat", every * 1000, heartbeatOnce);
      }
      loop("chain", config.pollIntervalMs, () =>
        serial(async () => {
          const n = await syncChain();
          if (n > 0 || store.list(["accepting"]).length > 0) {
            await reconcileOnce();
            await actions();
          }
          lastOk = Date.now();
        }),
      );
      loop("reconcile", config.reconcileIntervalMs, () =>
        serial(async () => {
          // Chain events first, so a client's close is seen before a lagging voucher cuts it;
          // metering goes on when the chain cannot be read.
          await syncChain().catch((err: unknown) => {
            metrics.inc("dvpn_agent_chain_errors_total");
            log.warn({ err: (err as Error).message }, "chain read before reconcile failed; metering anyway");
          });
          await reconcileOnce();
          await actions();
          lastOk = Date.now();
        }),
      );
      loop("resync", config.resyncIntervalMs, () =>
        serial(async () => {
          // Dropped or ended sessions lose their peer (and are settled) now, not at the next timer.
          if ((await resync(ctx)) > 0) {
            await reconcileOnce();
            await actions();
          }
        }),
      );
      log.info(
        {
          provider: chain.provider,
          iface: backend.iface,
          vouchers: urls.vouchers,
          dns: urls.dns,
          metrics: urls.metrics,
          maxPeers: ctx.maxPeers,
          ...(firewall ? { nftTable: firewall.table, exitPolicy: publishedExitPolicy(config) } : {}),
        },
        "gateway agent started",
      );
    },
    async stop() {
      if (!running) return;
      running = false;
      await stopLoops();
      await endpoints?.close();
      endpoints = undefined;
      if (config.pauseOnShutdown) {
        try {
          const p = await chain.getProvider();
          if (p.registered && !p.paused) await chain.pause();
          log.info("paused in the registry");
        } catch (err) {
          log.warn({ err: (err as Error).message }, "could not pause in the registry");
        }
      }
      await backend.release();
      transport?.release();
      metrics.set("dvpn_agent_up", 0);
      store.close();
      log.info("gateway agent stopped; interface and peers left up");
    },
    tick,
    reconcile: () => serial(reconcileOnce),
    resync: () =>
      serial(async () => {
        await resync(ctx);
        await reconcileOnce();
        await actions();
      }),
    urls: () => urls,
    session(id) {
      const s = store.get(id);
      return s ? { ...s, meteredSeconds: meteredUsage(s, now()).seconds } : undefined;
    },
    timings: () => timings,
  };
  return agent;
}

export type { AgentConfig, AgentConfigInput, Address };
