/**
 * Test helpers: a `hardhat node` child process with the protocol deployed, and small wrappers
 * to send transactions, move time and mine single blocks.
 */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  parseUnits,
  toHex,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { dvpnTokenAbi, mockStablecoinAbi, providerRegistryAbi } from "../../sdk/src/abi/index.ts";
import type { Deployment } from "../../sdk/src/deployment/types.ts";
import { deployProtocol } from "./deployment.ts";
import { startLocalChain, type LocalChain } from "./localChain.ts";

export const DVPN = (n: string | number) => parseUnits(String(n), 18);
export const USD = (n: string | number) => parseUnits(String(n), 6);

export interface TestChain {
  chain: LocalChain;
  url: string;
  publicClient: PublicClient;
  accounts: Address[];
  deployment: Deployment;
  /** Sends a contract call from an unlocked (or impersonated) account; returns the receipt's block. */
  send(
    from: Address,
    address: Address,
    abi: Abi,
    functionName: string,
    args: unknown[],
  ): Promise<{ blockNumber: number; timestamp: number; hash: Hex }>;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Moves the clock forward (the next block has timestamp ≥ now + seconds). */
  increaseTime(seconds: number): Promise<void>;
  /** Mines one block (evm_mine). */
  mine(): Promise<void>;
  latest(): Promise<{ number: number; timestamp: number; hash: Hex }>;
  stop(): Promise<void>;
}

/** Starts a hardhat node, deploys the protocol and funds accounts 1..n with DVPN and USD (approved). */
export async function startTestChain(options: { fund?: number } = {}): Promise<TestChain> {
  const chain = await startLocalChain();
  try {
    const def = defineChain({
      id: chain.chainId,
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    });
    // Retries: the node may close an idle keep-alive socket just as it is reused ("other side
    // closed"); such a request never reached it, so sending it again is safe.
    const transport = () => http(chain.url, { retryCount: 3, retryDelay: 50 });
    const publicClient = createPublicClient({ chain: def, transport: transport() }) as PublicClient;
    const accounts = ((await publicClient.request({ method: "eth_accounts" as never })) as Address[]).map((a) =>
      getAddress(a),
    );
    const wallet = (account: Address) => createWalletClient({ chain: def, transport: transport(), account });
    const deployment = await deployProtocol({ publicClient, walletClient: wallet(accounts[0]!) as never });
    const rpc = <T>(method: string, params: unknown[] = []) =>
      publicClient.request({ method: method as never, params: params as never }) as Promise<T>;
    async function send(from: Address, address: Address, abi: Abi, functionName: string, args: unknown[]) {
      const hash = await wallet(from).writeContract({
        address,
        abi,
        functionName,
        args,
        account: from,
        chain: def,
      } as never);
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      if (receipt.status !== "success") throw new Error(`${functionName} reverted (${hash})`);
      const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
      return { blockNumber: Number(receipt.blockNumber), timestamp: Number(block.timestamp), hash };
    }
    const c = deployment.contracts;
    for (const user of accounts.slice(1, 1 + (options.fund ?? 8))) {
      await send(accounts[0]!, c.DVPNToken.address, dvpnTokenAbi, "transfer", [user, DVPN(100_000)]);
      await send(accounts[0]!, c.PaymentToken.address, mockStablecoinAbi, "mint", [user, USD(10_000)]);
      await send(user, c.DVPNToken.address, dvpnTokenAbi, "approve", [c.ProviderRegistry.address, 2n ** 255n]);
      await send(user, c.PaymentToken.address, mockStablecoinAbi, "approve", [c.SessionEscrow.address, 2n ** 255n]);
    }
    return {
      chain,
      url: chain.url,
      publicClient,
      accounts,
      deployment,
      send,
      rpc,
      increaseTime: async (seconds) => {
        await rpc("evm_increaseTime", [seconds]);
      },
      mine: async () => {
        await rpc("evm_mine", []);
      },
      async latest() {
        const b = await publicClient.getBlock({ blockTag: "latest" });
        return { number: Number(b.number), timestamp: Number(b.timestamp), hash: b.hash };
      },
      stop: () => chain.stop(),
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

/**
 * Registers `provider` as test provider `n` (endpoint `p<n>.example:51820`, WireGuard key `n`) in
 * `region`, at 0.05 USD per GiB and 0.001 USD per minute, staking 2,000 DVPN; returns the receipt's block.
 */
export function registerProvider(
  chain: TestChain,
  provider: Address,
  n: number,
  region: string,
  maxSessions = 4,
): ReturnType<TestChain["send"]> {
  return chain.send(provider, chain.deployment.contracts.ProviderRegistry.address, providerRegistryAbi, "register", [
    `p${n}.example:51820`,
    toHex(n, { size: 32 }),
    toHex(region, { size: 2 }),
    USD("0.05"),
    USD("0.001"),
    maxSessions,
    DVPN(2000),
  ]);
}

/** POSTs a GraphQL query; returns the parsed body (data and errors). */
export async function gql<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[]; status: number }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  return { ...body, status: res.status };
}

/** Polls `fn` every 100 ms until it returns a truthy value, at most `ms` (then throws with `what`). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
