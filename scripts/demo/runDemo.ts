/**
 * The whole protocol on one machine: a local chain, the contracts, providers, the indexer and
 * its GraphQL feed, a gateway agent with a real WireGuard interface, and a client that picks a
 * provider from the feed, pays for real traffic through the tunnel with signed vouchers and is
 * refunded the rest; then a governance round that changes the protocol fee.
 *
 * `npm run demo` prints each step; the end-to-end test runs the same function and checks every
 * figure of the returned {@link DemoSummary}.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createWalletClient, formatUnits, http, parseEventLogs, parseUnits, type Address, type Hex } from "viem";
import { buildExplorer } from "../build-web.ts";
import { deployProtocol } from "../deploy/deployProtocol.ts";
import { isPortFree, startLocalChain } from "../../test/kit/localChain.ts";
import {
  createTopology,
  dataPlaneUnavailableReason,
  ownedTag,
  sweepStaleTopologies,
  TOPOLOGY,
  type Topology,
} from "../lib/netns.ts";
import { createReporter, type Reporter } from "../lib/reporter.ts";
import { createShutdown, type Shutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import { waitFor } from "../lib/waitFor.ts";
import {
  buildParameterChange,
  generateWgKeyPair,
  getProposalId,
  priceUsage,
  hashVoucherTerms,
  signUsageVoucher,
  type Availability,
  type DvpnClient,
  type Reputation,
} from "../../sdk/src/index.ts";
import { sessionEscrowAbi, dvpnTokenAbi, mockStablecoinAbi } from "../../sdk/src/abi/index.ts";
import { createTunnelSession, peerBytesReader, receiptOf, VoucherRejectedError } from "../../sdk/src/node.ts";
import { createDemoAccount, createKeyDir, GAS_FUNDING, localChain, type DemoAccount } from "./accounts.ts";
import { bringUpClientTunnel, startContentServer, type ClientTunnel } from "./clientTunnel.ts";
import { startAgentService, startIndexerService, type AgentService, type IndexerService } from "./services.ts";

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

const USD = (n: string) => parseUnits(n, 6);
/** Content is downloaded as a few blobs, each as fast as the tunnel carries it. */
const BLOB = 8 << 20;
const ROUNDS = 4;
/**
 * The demo agent's voucher lag tolerance: the agent's default. The client's tunnel session signs
 * ahead of the agent's meter, so the provider needs no extra allowance for the user-space data
 * plane's losses (which the client pays for, within its credit).
 */
export const LAG_TOLERANCE = { bytes: 1n << 20n, percent: 5 };
const DVPN = (n: string) => parseUnits(n, 18);

/** Runs the scenario once and returns its figures. Resources are closed by `options.shutdown`. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const r = createReporter(options.write);
  const shutdown = options.shutdown ?? createShutdown();
  const demoDir = options.dataDir ?? join(root, ".data/demo");
  const reason = options.skipDataPlane ? "disabled by --no-tunnel" : await dataPlaneUnavailableReason();
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

  const keys = createKeyDir();
  shutdown.add("key files", () => keys.remove());
  const indexer = await r.step("Start the indexer, its GraphQL feed and the explorer", async (note) => {
    // Normally built by the set-up already; builds here on a clone where it is missing or stale.
    if (await buildExplorer()) note("built the explorer (npm run build:web)");
    const dataDir = join(demoDir, "indexer");
    if (!options.databaseUrl) rmSync(dataDir, { recursive: true, force: true });
    const s = await startIndexerService({
      rpcUrl: chain.url,
      deployment,
      port: options.indexerPort ?? ((await isPortFree(4350)) ? 4350 : 0),
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : { dataDir }),
    });
    shutdown.add("indexer", () => s.stop());
    note(`explorer ${s.explorerUrl}`);
    note(
      `GraphQL ${s.graphqlUrl} (${options.databaseUrl ? "PostgreSQL" : `embedded PGlite in ${relative(root, dataDir)}`})`,
    );
    return s;
  });

  const make = (name: string) =>
    createDemoAccount({
      name,
      chain: viemChain,
      rpcUrl: chain.url,
      deployment,
      indexerUrl: indexer.graphqlUrl,
      keyDir: keys.dir,
    });
  const voter = make("voter");
  const client = make("client");
  const providers = [
    { ...make("provider-de"), region: "DE", pricePerGiB: USD("0.05"), pricePerMinute: USD("0.001"), agent: true },
    { ...make("provider-de2"), region: "DE", pricePerGiB: USD("0.09"), pricePerMinute: USD("0.001"), agent: false },
    { ...make("provider-us"), region: "US", pricePerGiB: USD("0.04"), pricePerMinute: USD("0.002"), agent: false },
    { ...make("provider-sg"), region: "SG", pricePerGiB: USD("0.06"), pricePerMinute: USD("0.001"), agent: false },
  ];
  const gatewayKeys = generateWgKeyPair();
  const gatewayKeyFile = join(keys.dir, "gateway-wg.key");
  writeFileSync(gatewayKeyFile, gatewayKeys.privateKey + "\n", { mode: 0o600 });

  await r.step("Fund demo accounts (fresh keys for this run)", async (note) => {
    const funderWallet = createWalletClient({ chain: viemChain, transport: http(chain.url), account: funder });
    const send = async (hash: Hex) => chain.publicClient.waitForTransactionReceipt({ hash });
    const token = deployment.contracts.DVPNToken.address;
    const usd = deployment.contracts.PaymentToken.address;
    for (const a of [voter, client, ...providers]) {
      await send(await funderWallet.sendTransaction({ to: a.address, value: GAS_FUNDING }));
    }
    for (const p of providers) {
      await send(
        await funderWallet.writeContract({
          address: token,
          abi: dvpnTokenAbi,
          functionName: "transfer",
          args: [p.address, DVPN("5000")],
        }),
      );
    }
    // The voter holds most of the supply and delegates to itself (votes are checkpointed).
    await send(
      await funderWallet.writeContract({
        address: token,
        abi: dvpnTokenAbi,
        functionName: "transfer",
        args: [voter.address, DVPN("100000000")],
      }),
    );
    await send(
      await funderWallet.writeContract({
        address: usd,
        abi: mockStablecoinAbi,
        functionName: "mint",
        args: [client.address, USD("100")],
      }),
    );
    note(`4 providers with 5,000 DVPN each, a client with 100 mUSD, a voter with 100,000,000 DVPN`);
  });

  await r.step("Register providers in DE, DE, US and SG (stake with an EIP-2612 permit)", async (note) => {
    for (const p of providers) {
      const endpoint = p.agent ? `${TOPOLOGY.providerToClient}:51820` : `${p.region.toLowerCase()}.vpn.example:51820`;
      const wgPublicKey = p.agent ? gatewayKeys.publicKey : generateWgKeyPair().publicKey;
      const res = await p.client.registerProvider({
        endpoint,
        wgPublicKey,
        region: p.region,
        pricePerGiB: p.pricePerGiB,
        pricePerMinute: p.pricePerMinute,
        maxSessions: 16,
        stake: DVPN("2000"),
      });
      note(
        `${p.name.padEnd(12)} ${p.address} ${p.region} ${formatUnits(p.pricePerGiB, 6)} mUSD/GiB ` +
          `${formatUnits(p.pricePerMinute, 6)} mUSD/min (gas ${res.receipt.gasUsed})`,
      );
    }
    await voter.client.delegateVotes({ delegatee: voter.address });
    note("voter delegated its votes to itself");
  });
  const provider = providers[0]!;

  let agent: AgentService | undefined;
  if (topology) {
    agent = await r.step(
      "Start the gateway agent for provider-de (WireGuard in the provider namespace)",
      async (note) => {
        const a = await startAgentService({
          topology: topology!,
          rpcUrl: chain.url,
          deploymentFile,
          providerKeyFile: provider.keyFile,
          wgPrivateKeyFile: gatewayKeyFile,
          iface: `${topology!.ifacePrefix}w`,
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

  const picked = await r.step(
    "Client: pick the best available provider in DE under 0.06 mUSD/GiB from the feed",
    async (note) => {
      const found = await client.client.findProviders({
        where: { region: "DE", available: true, maxPricePerGiB: USD("0.06") },
        orderBy: "score",
        orderDirection: "desc",
        first: 5,
      });
      for (const p of found.items)
        note(`${p.id} score ${p.reputation.score} ${formatUnits(BigInt(p.pricePerGiB), 6)} mUSD/GiB`);
      const best = found.items[0];
      if (!best) throw new Error("the feed lists no available provider in DE under the price cap");
      return best.id as Address;
    },
  );

  const clientWg = generateWgKeyPair();
  const signer = privateKeyToAccount(generatePrivateKey());
  const opened = await r.step(
    "Client: open a session with a 5 mUSD deposit (permit, ephemeral voucher signer)",
    async (note) => {
      const o = await client.client.openSession({
        provider: picked,
        wgPublicKey: clientWg.publicKey,
        signer: signer.address,
        deposit: USD("5"),
        maxPricePerGiB: USD("0.06"),
        maxPricePerMinute: USD("0.001"),
      });
      note(
        `session ${o.sessionId} opened (gas ${o.receipt.gasUsed}), accept deadline in ${o.acceptDeadline - Math.floor(Date.now() / 1000)} s`,
      );
      return o;
    },
  );
  const sessionId = opened.sessionId;
  const openedAt = Date.now();
  // Vouchers are bound to the terms the client saw in its own receipt.
  const terms = hashVoucherTerms({
    provider: picked,
    deposit: opened.deposit,
    pricePerGiB: opened.pricePerGiB,
    pricePerMinute: opened.pricePerMinute,
  });

  const accepted = await r.step("Provider: accept the session", async (note) => {
    if (!agent) {
      const a = await provider.client.acceptSession({ sessionId, tunnelAddress: "10.77.0.2/16" });
      note("accepted by the demo on the provider's behalf (no agent without the data plane)");
      return { tunnelAddress: "10.77.0.2/16", hash: a.hash };
    }
    const a = await client.client.waitForSessionAccepted({ sessionId, timeoutMs: 60_000 });
    note(`the agent added the peer and accepted: tunnel address ${a.tunnelAddress}`);
    return a;
  });

  let tunnel: ClientTunnel | undefined;
  let contentBytes = 0;
  const domain = { chainId: chain.chainId, escrow: deployment.contracts.SessionEscrow.address };
  let lastVoucher = { bytes: 0n, seconds: 0n };

  if (topology && agent) {
    const acceptedAt = Date.now();
    tunnel = await r.step("Client: bring the WireGuard tunnel up", async (note) => {
      const t = await bringUpClientTunnel({
        topology: topology!,
        iface: `${topology!.ifacePrefix}c`,
        privateKey: clientWg.privateKey,
        tunnelAddress: accepted.tunnelAddress,
        peerPublicKey: gatewayKeys.publicKey,
        endpoint: `${TOPOLOGY.providerToClient}:51820`,
      });
      shutdown.add("client tunnel", () => t.down());
      note(`${t.iface} up in ${topology!.client}; default route through the tunnel`);
      return t;
    });
    await startContentServer(topology, TOPOLOGY.internetAddress, 8080, BLOB);
    await r.step(
      `Client: download ${(ROUNDS * BLOB) >> 20} MiB through the tunnel at full speed, paid by the SDK's tunnel session`,
      async (note) => {
        // The same session object as `dvpn connect --up`: it reads the client's own counter 20 times a
        // second and signs ahead of the agent's meter by what the measured rate carries in 0.3 s plus
        // 6 MiB, within a credit of 64 MiB + 25 % of its counter.
        const url = `http://${agent!.gateway}:51830/v1/vouchers`;
        let vouchers = 0;
        const session = createTunnelSession(client.client, {
          sessionId,
          signer,
          terms: { pricePerGiB: opened.pricePerGiB, pricePerMinute: opened.pricePerMinute, deposit: USD("5") },
          voucherTerms: terms,
          acceptedAt,
          readBytes: peerBytesReader(tunnel!.iface, gatewayKeys.publicKey),
          send: async (v) => {
            const res = await tunnel!.post(url, {
              sessionId: v.sessionId.toString(),
              bytes: v.bytes.toString(),
              seconds: v.seconds.toString(),
              signature: v.signature,
            });
            const body = (res.body ?? {}) as Record<string, unknown>;
            if (res.status !== 200)
              throw new VoucherRejectedError(`the agent refused the voucher: ${String(body.error)}`, res.status);
            vouchers++;
            return receiptOf(body);
          },
        });
        const stop = new AbortController();
        const paying = session.run(stop.signal);
        try {
          for (let round = 1; round <= ROUNDS; round++) {
            contentBytes += await retry(() => tunnel!.fetch(`http://${TOPOLOGY.internetAddress}:8080/blob`), 3);
            const snap = session.snapshot();
            note(
              `download ${round}: ${contentBytes} bytes fetched; client counter ${snap.counter}, signed ${snap.delivered.bytes}, agent meter ${snap.metered}`,
            );
          }
          // Let the agent meter the end of the transfer before the last voucher.
          await new Promise((res) => setTimeout(res, 1500));
        } finally {
          stop.abort();
        }
        const end = await paying;
        if (end.reason !== "stopped") throw new Error(`the tunnel session ended early: ${end.reason}`);
        lastVoucher = end.delivered;
        note(`${vouchers} vouchers; the last: ${lastVoucher.bytes} bytes, ${lastVoucher.seconds} s`);
      },
    );
  } else {
    await r.step("Client: sign a voucher for the time used (no traffic without the data plane)", async (note) => {
      await new Promise((res) => setTimeout(res, 1500));
      const seconds = BigInt(Math.max(1, Math.round((Date.now() - openedAt) / 1000)));
      const voucher = { sessionId, terms, bytes: 0n, seconds };
      const signature = await signUsageVoucher({ account: signer, domain, voucher });
      await provider.client.claimUsage({ sessionId, bytes: 0n, seconds, signature });
      lastVoucher = { bytes: 0n, seconds };
      note(`voucher for ${lastVoucher.seconds} s claimed by the provider`);
    });
  }

  await r.step("Provider: claim the vouchers on-chain", async (note) => {
    const claimed = await waitFor(async () => {
      const s = await client.client.getSession({ sessionId });
      return s.claimedBytes >= lastVoucher.bytes && s.claimedSeconds >= lastVoucher.seconds ? s : undefined;
    }, 60_000);
    note(
      `claimed up to ${claimed.claimedBytes} bytes and ${claimed.claimedSeconds} s: ${formatUnits(claimed.paid, 6)} mUSD paid`,
    );
  });

  const clientTunnelBytes = tunnel ? (await tunnel.counters()).total : 0n;
  const agentMeteredBytes = tunnel && agent ? await agent.metered(tunnel, sessionId) : 0n;
  const clientBalanceBefore = await client.client.getBalances({ address: client.address });
  await r.step("Client: close the session; the provider settles and the rest is refunded", async (note) => {
    await client.client.closeSession({ sessionId });
    const finalize = async (why: string) => {
      note(`${why}: waiting out the settlement window and finalizing`);
      await advanceTime(chain.publicClient, deployment.parameters.escrow.settlementWindow + 1);
      await client.client.finalizeSession({ sessionId });
      return client.client.getSession({ sessionId });
    };
    // Without a gateway agent (data plane skipped) no provider is there to settle: finalize at once.
    const settled = agent
      ? await waitFor(async () => {
          const s = await client.client.getSession({ sessionId });
          return s.status === "Closed" ? s : undefined;
        }, 60_000).catch(() => finalize("the provider did not settle in time"))
      : await finalize("no gateway agent runs here");
    note(`session ${sessionId} ${settled.status}`);
  });

  const figures = await settlementFigures(client.client, sessionId, deployment.contracts.SessionEscrow.address);
  const clientBalanceAfter = await client.client.getBalances({ address: client.address });
  if (clientBalanceAfter.paymentToken - clientBalanceBefore.paymentToken !== figures.refund) {
    throw new Error("the client's balance did not grow by the refund");
  }

  const governance = await r.step(
    "Governance: propose, vote, queue and execute a protocol fee of 3 %",
    async (note) => {
      const oldFeeBps = (await client.client.getParameters()).escrow.protocolFeeBps;
      const action = buildParameterChange(deployment, { parameter: "protocolFeeBps", value: 300n });
      const proposal = {
        actions: [action],
        description: `Raise the protocol fee to 3 % (${new Date().toISOString()})`,
      };
      const proposalId = getProposalId(proposal);
      await voter.client.propose(proposal);
      note(`proposal ${proposalId.toString().slice(0, 12)}… submitted`);
      const p = deployment.parameters.governor;
      await advanceTime(chain.publicClient, p.votingDelay + 1);
      await voter.client.castVote({ proposalId, support: "for", reason: "fees fund the treasury" });
      note("voted for");
      await advanceTime(chain.publicClient, p.votingPeriod + 1);
      await voter.client.queueProposal(proposal);
      note(`queued in the timelock (moved the clock ${p.votingDelay + p.votingPeriod + 2} s)`);
      await advanceTime(chain.publicClient, p.timelockDelay + 1);
      await voter.client.executeProposal(proposal);
      const newFeeBps = (await client.client.getParameters()).escrow.protocolFeeBps;
      note(`executed: protocolFeeBps ${oldFeeBps} → ${newFeeBps}`);
      return { proposalId, oldFeeBps, newFeeBps };
    },
  );

  await indexer.waitForChainHead(chain.publicClient);
  const feedFeeBps = await indexer.protocolFeeBps();
  const after = await indexer.providerFeed(provider.address);

  return {
    dataPlane,
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
    contentBytes,
    agentMeteredBytes,
    lagTolerance: LAG_TOLERANCE,
    voucher: lastVoucher,
    ...figures,
    governance: { ...governance, feedFeeBps },
    reputation: { before: before?.reputation, after: after?.reputation },
    availability: after?.availability,
    elapsedSeconds: r.elapsed(),
  };
}

/** Paid, fee, provider share and refund of a settled session, from its events. */
async function settlementFigures(client: DvpnClient, sessionId: bigint, escrow: Address) {
  const logs = await client.publicClient.getLogs({ address: escrow, fromBlock: 0n });
  const events = parseEventLogs({ abi: sessionEscrowAbi, logs }).filter(
    (e) => "sessionId" in e.args && e.args.sessionId === sessionId,
  );
  let fee = 0n;
  let paid = 0n;
  let claims = 0;
  let refund = 0n;
  for (const e of events) {
    if (e.eventName === "UsageClaimed") {
      fee += e.args.fee;
      paid += e.args.amount;
      claims += 1;
    }
    if (e.eventName === "SessionSettled") refund = e.args.refund;
  }
  return { paid, fee, providerReceived: paid - fee, refund, claims };
}

async function advanceTime(publicClient: { request: (a: never) => Promise<unknown> }, seconds: number): Promise<void> {
  await publicClient.request({ method: "evm_increaseTime", params: [seconds] } as never);
  await publicClient.request({ method: "evm_mine", params: [] } as never);
}

async function retry<T>(fn: () => Promise<T>, attempts: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((res) => setTimeout(res, 500));
    }
  }
}

/** Prints the summary block of a finished run. */
export function printSummary(s: DemoSummary, r: Pick<Reporter, "note">, write: (t: string) => void): void {
  const usd = (v: bigint) => `${formatUnits(v, 6)} mUSD`;
  write("\nSummary\n");
  r.note(
    `data plane              ${s.dataPlane.enabled ? "real WireGuard tunnel (wireguard-go)" : `skipped: ${s.dataPlane.reason}`}`,
  );
  r.note(`content fetched         ${s.contentBytes} bytes through the tunnel`);
  r.note(`client tunnel counter   ${s.clientTunnelBytes} bytes; agent meter ${s.agentMeteredBytes} bytes`);
  r.note(`voucher claimed         ${s.voucher.bytes} bytes, ${s.voucher.seconds} s in ${s.claims} claim(s)`);
  r.note(
    `expected price          ${usd(priceUsage(s.terms, s.voucher))} at ${usd(s.terms.pricePerGiB)}/GiB + ${usd(s.terms.pricePerMinute)}/min`,
  );
  r.note(`paid                    ${usd(s.paid)} (provider ${usd(s.providerReceived)}, protocol fee ${usd(s.fee)})`);
  r.note(`refunded                ${usd(s.refund)} of the ${usd(s.terms.deposit)} deposit`);
  const rep = s.reputation.after;
  if (rep)
    r.note(
      `provider reputation     score ${rep.score}, ${rep.sessionsCompleted} session(s), ${rep.bytesServed} bytes served`,
    );
  r.note(
    `governance              protocol fee ${s.governance.oldFeeBps} → ${s.governance.newFeeBps} bps (feed shows ${s.governance.feedFeeBps})`,
  );
  r.note(`took                    ${s.elapsedSeconds.toFixed(1)} s`);
  write("\nExplore\n");
  r.note(`explorer                ${s.explorerUrl}`);
  r.note(`GraphiQL                ${s.graphqlUrl}`);
  r.note(`indexer metrics         ${s.indexerMetricsUrl}`);
  if (s.agentMetricsUrl) r.note(`agent metrics           ${s.agentMetricsUrl}`);
  r.note(`JSON-RPC                ${s.rpcUrl}`);
}
