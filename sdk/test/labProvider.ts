/**
 * A provider of a namespace test, as operators run one: registered on the lab's chain with a fresh
 * WireGuard key, its real gateway agent started (wireguard-go, under the guard) in the provider
 * namespace, or in another namespace given as `topology`. One helper for every lab, so a test
 * states only what differs (port, pool, region, price, agent flags).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineChain, http, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { TOPOLOGY, type Topology, startAgentService, type AgentService } from "../../test/kit/dataPlane.ts";
import { createDvpnClient, type DvpnClient } from "../src/client/createDvpnClient.ts";
import { generateWgKeyPair } from "../src/wireguard/keys.ts";
import type { CliChain } from "./cliChain.ts";

/** The agent's default voucher lag tolerance (1 MiB + 5 %). */
export const LAB_TOLERANCE = { bytes: 1n << 20n, percent: 5 };

/**
 * A client of the lab's chain acting as funded user `i` (the chain's `keys[i]`).
 * @param chain the lab's chain.
 * @param i the user.
 * @returns the client (50 ms polling).
 */
export function labClient(chain: CliChain, i: number): DvpnClient {
  const viemChain = defineChain({
    id: 31337,
    name: "hardhat",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [chain.url] } },
  });
  return createDvpnClient({
    chain: viemChain,
    transport: http(chain.url),
    account: privateKeyToAccount(chain.keys[i]!),
    deployment: chain.deployment,
    pollingInterval: 50,
  });
}

/** A registered provider with its running agent. */
export interface LabProvider {
  /** The provider's own client (user `i`). */
  client: DvpnClient;
  address: Address;
  agent: AgentService;
}

/**
 * Registers user `i` as a provider and starts its agent.
 * @param p the lab, the user, the agent's interface and data folder, and what differs from the defaults
 *   (endpoint `10.99.2.1:<port>`, region DE, 0.05 mUSD/GiB, 100 base units/min, 4 sessions).
 * @returns the provider; the caller stops its agent.
 */
export async function startLabProvider(p: {
  topology: Topology;
  chain: CliChain;
  i: number;
  iface: string;
  dir: string;
  /** Where clients reach it (default `10.99.2.1:<port>`). */
  host?: string;
  port?: number;
  region?: string;
  pricePerGiB?: bigint;
  pool?: string;
  v6?: string;
  metricsPort?: number;
  extraArgs?: string[];
}): Promise<LabProvider> {
  const client = labClient(p.chain, p.i);
  const gw = generateWgKeyPair();
  const wgKeyFile = join(p.dir, `wg${p.i}.key`);
  writeFileSync(wgKeyFile, gw.privateKey + "\n", { mode: 0o600 });
  const port = p.port ?? 51820;
  await client.registerProvider({
    endpoint: `${p.host ?? TOPOLOGY.providerToClient}:${port}`,
    wgPublicKey: gw.publicKey,
    region: p.region ?? "DE",
    pricePerGiB: p.pricePerGiB ?? 50_000n,
    pricePerMinute: 100n,
    maxSessions: 4,
    stake: 1_000n * 10n ** 18n,
  });
  const agent = await startAgentService({
    topology: p.topology,
    rpcUrl: p.chain.url,
    deploymentFile: join(p.chain.dir, "31337.json"),
    providerKeyFile: p.chain.keyFiles[p.i]!,
    wgPrivateKeyFile: wgKeyFile,
    iface: p.iface,
    dataDir: join(p.dir, `agent${p.i}`),
    lagTolerance: LAB_TOLERANCE,
    ...(p.port !== undefined ? { wgListenPort: p.port } : {}),
    ...(p.pool ? { ipv4Pool: p.pool } : {}),
    ...(p.v6 ? { ipv6Pool: p.v6 } : {}),
    ...(p.metricsPort !== undefined ? { metricsPort: p.metricsPort } : {}),
    ...(p.extraArgs ? { extraArgs: p.extraArgs } : {}),
  });
  return { client, address: client.account!.address, agent };
}
