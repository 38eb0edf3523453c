/**
 * A test wallet for the browser: `window.ethereum`, an EIP-1193 provider whose requests go to
 * this process, which answers account requests with a local private-key account, signs and
 * sends its transactions, and forwards every other call to the chain's JSON-RPC.
 */
import { createPublicClient, createWalletClient, http, type Chain, type Hex, type PrivateKeyAccount } from "viem";
import type { Page } from "playwright-core";

/** Installs the wallet in `page` (before any of its scripts run, on every navigation). */
export async function injectWallet(page: Page, params: { account: PrivateKeyAccount; chain: Chain; rpcUrl: string }) {
  const { account, chain } = params;
  const publicClient = createPublicClient({ chain, transport: http(params.rpcUrl) });
  const walletClient = createWalletClient({ chain, transport: http(params.rpcUrl), account });
  await page.exposeFunction("__dvpnWalletRequest", async (method: string, paramsJson: string) => {
    const args = JSON.parse(paramsJson) as unknown[];
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return [account.address];
      case "eth_chainId":
        return `0x${chain.id.toString(16)}`;
      case "eth_sendTransaction": {
        const tx = args[0] as { to: Hex; data?: Hex; value?: Hex; gas?: Hex };
        return walletClient.sendTransaction({
          to: tx.to,
          ...(tx.data ? { data: tx.data } : {}),
          ...(tx.value ? { value: BigInt(tx.value) } : {}),
          ...(tx.gas ? { gas: BigInt(tx.gas) } : {}),
        });
      }
      default:
        return publicClient.request({ method, params: args } as never);
    }
  });
  await page.addInitScript(() => {
    const call = (window as unknown as { __dvpnWalletRequest(m: string, p: string): Promise<unknown> })
      .__dvpnWalletRequest;
    (window as unknown as { ethereum: unknown }).ethereum = {
      request: ({ method, params }: { method: string; params?: unknown[] }) =>
        call(method, JSON.stringify(params ?? [])),
      on() {},
      removeListener() {},
    };
  });
}
