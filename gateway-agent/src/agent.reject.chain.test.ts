/**
 * The agent against a real chain (`hardhat node`, the SDK's chain access; mock data plane): a
 * provider registered for one session at a time, two sessions opened while its slot is free, the
 * first accepted (the slot is taken). The second one's accept reverts with RegistryAtCapacity and the agent rejects it: the client's whole deposit
 * is back in its wallet at once, the session is Closed on chain and its peer is gone.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createPublicClient, defineChain, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { mockStablecoinAbi } from "../../sdk/src/abi/index.ts";
import { createDvpnClient, type DvpnClient } from "../../sdk/src/client/createDvpnClient.ts";
import { generateWgKeyPair } from "../../sdk/src/wireguard/keys.ts";
import { startCliChain, type CliChain } from "../../sdk/test/cliChain.ts";
import { createGatewayAgent, type GatewayAgent } from "./agent.ts";
import { createMockBackend } from "./wireguard/mock.ts";

let c: CliChain;
let dir: string;
let agent: GatewayAgent | undefined;
const lines: { msg: string; sessionId?: string; reason?: string }[] = [];
const logger = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l)) });

before(async () => {
  c = await startCliChain({ users: 2 });
  dir = mkdtempSync(join(tmpdir(), "agent-reject-chain-"));
});
after(async () => {
  await agent?.stop().catch(() => undefined);
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function sdk(key: Hex): DvpnClient {
  const chain = defineChain({
    id: c.deployment.chainId,
    name: "hardhat",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [c.url] } },
  });
  return createDvpnClient({
    chain,
    transport: http(c.url),
    account: privateKeyToAccount(key),
    deployment: c.deployment,
    pollingInterval: 50,
  });
}

test("an accept that reverts with RegistryAtCapacity is rejected and the deposit returns at once", async () => {
  const provider = sdk(c.keys[0]!);
  const client = sdk(c.keys[1]!);
  await provider.registerProvider({
    endpoint: "gw.example.org:51820",
    wgPublicKey: generateWgKeyPair().publicKey,
    region: "DE",
    pricePerGiB: 50_000n,
    pricePerMinute: 0n,
    maxSessions: 1,
    stake: BigInt(c.deployment.parameters.registry.minStake),
  });
  const open = () =>
    client.openSession({
      provider: provider.account!.address,
      wgPublicKey: generateWgKeyPair().publicKey,
      signer: client.account!.address,
      deposit: 2_000_000n,
      maxPricePerGiB: 50_000n,
      maxPricePerMinute: 0n,
    });
  const pc = createPublicClient({ transport: http(c.url) });
  const balance = () =>
    pc.readContract({
      address: c.deployment.contracts.PaymentToken.address as Address,
      abi: mockStablecoinAbi,
      functionName: "balanceOf",
      args: [client.account!.address],
    });
  // Two sessions opened while the provider's one slot is free; the first, accepted outside
  // this agent, takes it.
  const first = await open();
  const before = await balance();
  const second = await open();
  assert.equal(await balance(), before - 2_000_000n);
  await provider.acceptSession({ sessionId: first.sessionId, tunnelAddress: "10.99.0.9/24" });

  const backend = createMockBackend("dvpn-mock", () => Math.floor(Date.now() / 1000));
  agent = createGatewayAgent(
    {
      rpcUrl: c.url,
      deployment: c.deployment,
      privateKey: c.keys[0]!,
      dataDir: dir,
      ipv4Pool: "10.98.0.0/24",
      voucherListen: "127.0.0.1:0",
      confirmations: 0,
      maxPeers: 4, // more than the registry's maxSessions: the chain is the one to refuse
      pollIntervalMs: 3_600_000,
      reconcileIntervalMs: 3_600_000,
      resyncIntervalMs: 3_600_000,
      heartbeat: false,
    },
    { backend, logger },
  );
  await agent.start();
  await agent.tick();
  assert.equal((await client.getSession({ sessionId: second.sessionId })).status, "Closed");
  assert.equal(await balance(), before, "the whole deposit is back");
  assert.equal(agent.session(second.sessionId)?.reason, "rejected:provider-full");
  assert.equal(backend.peers.size, 1, "only the accepted session keeps a peer");
  assert.ok(lines.some((l) => l.reason === "provider-full" && l.sessionId === String(second.sessionId)));
  assert.equal(agent.metrics.get("dvpn_agent_sessions_rejected_total", { reason: "provider-full" }), 1);
});
