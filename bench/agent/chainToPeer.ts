/**
 * Chain to peer: a `hardhat node`, the protocol deployed, a provider registered and the agent
 * in-process (confirmations 0, chain poll 250 ms): time from SessionOpened mined to the peer on
 * the interface and to acceptSession mined, per session; then sessions opened back to back to
 * measure how many opens per minute the agent provisions and accepts.
 */
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  createWalletClient,
  defineChain,
  http,
  parseEventLogs,
  parseUnits,
  type Account,
  type Chain,
  type Hex,
  type Transport,
  type WalletClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createGatewayAgent, type GatewayAgent } from "../../gateway-agent/src/agent.ts";
import { ensureKeyFile } from "../../gateway-agent/src/wireguard/keyfile.ts";
import { wgKeyToBytes32 } from "../../sdk/src/wireguard/keys.ts";
import { dvpnTokenAbi, mockStablecoinAbi, providerRegistryAbi, sessionEscrowAbi } from "../../sdk/src/abi/index.ts";
import { deployProtocol } from "../../scripts/deploy/deployProtocol.ts";
import { startLocalChain } from "../../test/kit/localChain.ts";
import { createAgentBenchLab, median, pct, round, silent } from "./common.ts";

/**
 * SessionOpened → peer → acceptSession latencies of `sequential` sessions opened one at a time,
 * and sustained opens per minute of `burst` sessions opened back to back; progress goes to `log`.
 */
export async function chainToPeer(sequential: number, burst: number, log: (line: string) => void) {
  const chain = await startLocalChain({ timeoutMs: 90_000 });
  const { lab, dir, ns, iface, close } = createAgentBenchLab({ ns: "dvbc", iface: "dvba", dir: "agent-bench-chain-" });
  let agent: GatewayAgent | undefined;
  try {
    const pc = chain.publicClient;
    const c0 = defineChain({
      id: chain.chainId,
      name: "local",
      nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    });
    const wallet = (a: Account): WalletClient<Transport, Chain, Account> =>
      createWalletClient({ account: a, chain: c0, transport: http(chain.url), pollingInterval: 20 });
    const send = async (
      w: WalletClient<Transport, Chain, Account>,
      address: Hex,
      abi: readonly unknown[],
      fn: string,
      args: unknown[],
    ) => {
      const hash = await w.writeContract({
        address,
        abi: abi as never,
        functionName: fn as never,
        args: args as never,
        account: w.account,
        chain: w.chain,
      });
      return pc.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    };
    const keys = { deployer: generatePrivateKey(), provider: generatePrivateKey(), client: generatePrivateKey() };
    const acct = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, privateKeyToAccount(v)])) as Record<
      keyof typeof keys,
      Account
    >;
    for (const a of Object.values(acct))
      await pc.request({ method: "hardhat_setBalance" as never, params: [a.address, "0x56BC75E2D63100000"] as never });
    const deployment = await deployProtocol({ publicClient: pc, walletClient: wallet(acct.deployer) });
    const c = deployment.contracts;
    const stake = BigInt(deployment.parameters.registry.minStake);
    await send(wallet(acct.deployer), c.DVPNToken.address, dvpnTokenAbi, "transfer", [acct.provider.address, stake]);
    await send(wallet(acct.deployer), c.PaymentToken.address, mockStablecoinAbi, "mint", [
      acct.client.address,
      parseUnits("100000", 6),
    ]);
    await send(wallet(acct.client), c.PaymentToken.address, mockStablecoinAbi, "approve", [
      c.SessionEscrow.address,
      2n ** 255n,
    ]);
    await send(wallet(acct.provider), c.DVPNToken.address, dvpnTokenAbi, "approve", [
      c.ProviderRegistry.address,
      stake,
    ]);
    const wgKey = ensureKeyFile(join(dir, "wg.key")).publicKey;
    await send(wallet(acct.provider), c.ProviderRegistry.address, providerRegistryAbi, "register", [
      "192.0.2.1:51820",
      wgKeyToBytes32(wgKey),
      "0x4445",
      1n,
      0n,
      100_000,
      stake,
    ]);
    await lab.addNs(ns);
    agent = createGatewayAgent(
      {
        rpcUrl: chain.url,
        deployment,
        privateKey: keys.provider,
        dataDir: dir,
        interface: iface,
        netns: ns,
        backend: "userspace",
        ipv4Pool: "10.201.0.0/16",
        voucherListen: "127.0.0.1:0",
        metricsListen: "",
        confirmations: 0,
        pollIntervalMs: 250,
        reconcileIntervalMs: 5000,
        idleTimeoutSeconds: 0,
        heartbeat: false,
      },
      { logger: silent },
    );
    await agent.start();
    const client = wallet(acct.client);
    const open = async () => {
      const r = await send(client, c.SessionEscrow.address, sessionEscrowAbi, "openSession", [
        acct.provider.address,
        `0x${randomBytes(32).toString("hex")}`,
        acct.client.address,
        1_000_000n,
        10n,
        10n,
      ]);
      const [ev] = parseEventLogs({ abi: sessionEscrowAbi, logs: r.logs, eventName: "SessionOpened" });
      if (!ev) throw new Error("no SessionOpened");
      return ev.args.sessionId;
    };
    const waitFor = async (pred: () => boolean, ms: number) => {
      const deadline = performance.now() + ms;
      while (!pred()) {
        if (performance.now() > deadline) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 5));
      }
      return performance.now();
    };
    const toPeer: number[] = [];
    const toAccepted: number[] = [];
    for (let i = 0; i < sequential; i++) {
      const id = await open();
      const t0 = performance.now();
      const t1 = await waitFor(() => agent!.session(id)?.provisioned === true, 30_000);
      const t2 = await waitFor(() => agent!.session(id)?.status === "active", 30_000);
      toPeer.push(t1 - t0);
      toAccepted.push(t2 - t0);
    }
    log(`latency: peer median ${round(median(toPeer))} ms, accepted median ${round(median(toAccepted))} ms`);
    const started = performance.now();
    const ids: bigint[] = [];
    for (let i = 0; i < burst; i++) ids.push(await open());
    const openedMs = performance.now() - started;
    const done = await waitFor(() => ids.every((id) => agent!.session(id)?.status === "active"), 300_000);
    const totalMs = done - started;
    return {
      method: {
        sequentialSessions: sequential,
        burstSessions: burst,
        pollIntervalMs: 250,
        confirmations: 0,
        chain: "hardhat node (automine)",
      },
      openedToPeerMs: {
        median: round(median(toPeer)),
        p90: round(pct(toPeer, 0.9)),
        min: round(Math.min(...toPeer)),
        max: round(Math.max(...toPeer)),
      },
      openedToAcceptMinedMs: {
        median: round(median(toAccepted)),
        p90: round(pct(toAccepted, 0.9)),
        min: round(Math.min(...toAccepted)),
        max: round(Math.max(...toAccepted)),
      },
      sustained: {
        sessions: burst,
        clientOpensPerMinute: round((burst / openedMs) * 60_000),
        handledPerMinute: round((burst / totalMs) * 60_000),
        secondsFromFirstOpenToLastAccepted: round(totalMs / 1000),
      },
    };
  } finally {
    await close(agent);
    await chain.stop();
  }
}
