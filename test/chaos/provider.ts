/**
 * A provider for the agent chaos suites: a fresh key funded with ETH and DVPN, approved and
 * registered in "DE" at the suites' prices with a 10,000 DVPN stake.
 */
import assert from "node:assert/strict";
import { createWalletClient, defineChain, http, toHex, type Hex, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DVPN, USD, type TestChain } from "../kit/testChain.ts";
import { dvpnTokenAbi, providerRegistryAbi } from "../../sdk/src/abi/index.ts";

/** The price per GiB every chaos provider registers with (token base units). */
export const PRICE_PER_GIB = USD("0.5");
/** The price per minute every chaos provider registers with (token base units). */
export const PRICE_PER_MINUTE = USD("0.01");

/**
 * Registers `key` as a provider.
 * @param p `endpoint` host:port, `wgKey` the WireGuard public key as bytes32, `maxSessions` slots.
 * @returns the provider's account.
 */
export async function registerChaosProvider(
  chain: TestChain,
  p: { key: Hex; endpoint: string; wgKey: Hex; maxSessions: number },
): Promise<LocalAccount> {
  const account = privateKeyToAccount(p.key);
  await chain.rpc("hardhat_setBalance", [account.address, toHex(10n ** 20n)]);
  const c = chain.deployment.contracts;
  await chain.send(chain.accounts[0]!, c.DVPNToken.address, dvpnTokenAbi, "transfer", [account.address, DVPN(20_000)]);
  const def = defineChain({
    id: chain.deployment.chainId,
    name: "hardhat",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [chain.url] } },
  });
  const wallet = createWalletClient({ account, chain: def, transport: http(chain.url) });
  const wait = async (hash: Hex) => {
    const r = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    assert.equal(r.status, "success");
  };
  await wait(
    await wallet.writeContract({
      address: c.DVPNToken.address,
      abi: dvpnTokenAbi,
      functionName: "approve",
      args: [c.ProviderRegistry.address, DVPN(20_000)],
    }),
  );
  await wait(
    await wallet.writeContract({
      address: c.ProviderRegistry.address,
      abi: providerRegistryAbi,
      functionName: "register",
      args: [
        p.endpoint,
        p.wgKey,
        toHex("DE", { size: 2 }),
        PRICE_PER_GIB,
        PRICE_PER_MINUTE,
        p.maxSessions,
        DVPN(10_000),
      ],
    }),
  );
  return account;
}
