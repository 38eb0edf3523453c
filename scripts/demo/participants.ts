/**
 * The demo's participants: a voter, a client and four providers with fresh keys, funded from the
 * local chain's first unlocked account; the providers registered (one of them served by the
 * gateway agent, with the agent's WireGuard key) and the voter's votes delegated to itself.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createWalletClient, formatUnits, http, parseUnits, type Address, type Hex } from "viem";
import { TOPOLOGY } from "../lib/netns.ts";
import type { Reporter } from "../lib/reporter.ts";
import type { Shutdown } from "../../sdk/src/shutdown/createShutdown.ts";
import { generateWgKeyPair, type WgKeyPair } from "../../sdk/src/index.ts";
import { dvpnTokenAbi, mockStablecoinAbi } from "../../sdk/src/abi/index.ts";
import { createDemoAccount, createKeyDir, GAS_FUNDING, type DemoAccount } from "./accounts.ts";
import type { DemoStack } from "./stack.ts";

/** Amounts of the 6-decimal payment token. */
export const USD = (n: string) => parseUnits(n, 6);
/** Amounts of the 18-decimal DVPN token. */
export const DVPN = (n: string) => parseUnits(n, 18);

/** A registered provider of the demo. */
export interface DemoProvider extends DemoAccount {
  region: string;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  /** Served by the gateway agent (its endpoint is the provider namespace, its key the agent's). */
  agent: boolean;
}

/** What {@link setUpParticipants} made. */
export interface DemoParticipants {
  voter: DemoAccount;
  client: DemoAccount;
  providers: DemoProvider[];
  /** provider-de, the one the gateway agent serves. */
  provider: DemoProvider;
  /** The gateway agent's WireGuard key pair; the private key is also in {@link gatewayKeyFile}. */
  gatewayKeys: WgKeyPair;
  gatewayKeyFile: string;
}

/** Makes, funds and registers the participants; their key files are removed by `shutdown`. */
export async function setUpParticipants(r: Reporter, shutdown: Shutdown, stack: DemoStack): Promise<DemoParticipants> {
  const { chain, viemChain, deployment, funder } = stack;
  const keys = createKeyDir();
  shutdown.add("key files", () => keys.remove());
  const make = (name: string) =>
    createDemoAccount({
      name,
      chain: viemChain,
      rpcUrl: chain.url,
      deployment,
      indexerUrl: stack.indexer.graphqlUrl,
      keyDir: keys.dir,
    });
  const voter = make("voter");
  const client = make("client");
  const providers: DemoProvider[] = [
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
    const giveDvpn = async (to: Address, amount: bigint) =>
      send(
        await funderWallet.writeContract({
          address: token,
          abi: dvpnTokenAbi,
          functionName: "transfer",
          args: [to, amount],
        }),
      );
    for (const a of [voter, client, ...providers]) {
      await send(await funderWallet.sendTransaction({ to: a.address, value: GAS_FUNDING }));
    }
    for (const p of providers) await giveDvpn(p.address, DVPN("5000"));
    // The voter holds most of the supply and delegates to itself (votes are checkpointed).
    await giveDvpn(voter.address, DVPN("100000000"));
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
  return { voter, client, providers, provider: providers[0]!, gatewayKeys, gatewayKeyFile };
}
