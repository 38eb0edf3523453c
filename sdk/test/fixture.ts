/**
 * Shared fixture for the SDK tests: a fresh in-process Hardhat network with the protocol
 * deployed by the same code as `npm run deploy`, and a DvpnClient per Hardhat account built
 * on the network's EIP-1193 provider.
 */
import { network } from "hardhat";
import { custom, parseUnits, type Address } from "viem";
import { deployProtocol } from "../../test/kit/deployment.ts";
import { dvpnTokenAbi, mockStablecoinAbi } from "../src/abi/index.ts";
import { createDvpnClient, type DvpnClient } from "../src/client/createDvpnClient.ts";
import { generateWgKeyPair } from "../src/wireguard/keys.ts";

export const DVPN = (n: string | number) => parseUnits(String(n), 18);
export const USD = (n: string | number) => parseUnits(String(n), 6);

export async function sdkFixture() {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const [deployer] = wallets;
  if (!deployer) throw new Error("no accounts");
  const deployment = await deployProtocol({ publicClient, walletClient: deployer });
  const chain = publicClient.chain;
  const transport = custom(connection.provider);

  /** A client signing as Hardhat account `i` (a JSON-RPC account the network unlocks). */
  const clientFor = (i: number | Address, extra: { indexerUrl?: string } = {}): DvpnClient => {
    const account = typeof i === "number" ? wallets[i]?.account.address : i;
    if (!account) throw new Error(`no account ${i}`);
    return createDvpnClient({ chain, transport, account, deployment, pollingInterval: 20, ...extra });
  };
  const readOnly = createDvpnClient({ chain, transport, deployment, pollingInterval: 20 });

  /** Sends DVPN and mUSD from the deployer (no approvals: the SDK's permits do that). */
  async function fund(to: Address, dvpn = DVPN(100_000), usd = USD(10_000)): Promise<void> {
    const c = deployment.contracts;
    for (const hash of [
      await deployer!.writeContract({
        address: c.DVPNToken.address,
        abi: dvpnTokenAbi,
        functionName: "transfer",
        args: [to, dvpn],
      }),
      await deployer!.writeContract({
        address: c.PaymentToken.address,
        abi: mockStablecoinAbi,
        functionName: "mint",
        args: [to, usd],
      }),
    ]) {
      await publicClient.waitForTransactionReceipt({ hash });
    }
  }

  /** Registers account `i` as a provider in "DE" (funded first). */
  async function registerProviderAccount(
    i: number,
    prices: { pricePerGiB?: bigint; pricePerMinute?: bigint; region?: string } = {},
  ) {
    const client = clientFor(i);
    await fund(client.account!.address);
    const keys = generateWgKeyPair();
    await client.registerProvider({
      endpoint: `gw${i}.example.org:51820`,
      wgPublicKey: keys.publicKey,
      region: prices.region ?? "DE",
      pricePerGiB: prices.pricePerGiB ?? 50_000n,
      pricePerMinute: prices.pricePerMinute ?? 120n,
      maxSessions: 4,
      stake: DVPN(1_000),
    });
    return { client, keys, address: client.account!.address };
  }

  return {
    connection,
    networkHelpers,
    publicClient,
    wallets,
    deployer,
    deployment,
    chain,
    transport,
    clientFor,
    readOnly,
    fund,
    registerProviderAccount,
  };
}

export type SdkFixture = Awaited<ReturnType<typeof sdkFixture>>;
