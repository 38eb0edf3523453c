/**
 * The browser wallet: an injected EIP-1193 provider (`window.ethereum`) behind an SDK client,
 * so delegating and voting are the same SDK calls the CLI makes.
 */
import { custom, defineChain, type Address, type EIP1193Provider } from "viem";
import { createDvpnClient, type DvpnClient } from "../../../sdk/src/client/createDvpnClient.ts";
import type { ExplorerConfig } from "./app.ts";

/** A connected wallet: its account and an SDK client that signs through it. */
export interface Wallet {
  address: Address;
  client: DvpnClient;
}

let connected: Wallet | undefined;

/** The wallet connected on this page, if any. */
export const currentWallet = () => connected;

/**
 * Asks the injected wallet for an account, makes sure it is on the deployment's chain and
 * returns an SDK client that sends through it.
 * @throws Error saying what to do when there is no wallet or it is on another chain.
 */
export async function connectWallet(config: ExplorerConfig): Promise<Wallet> {
  const eth = (window as { ethereum?: EIP1193Provider }).ethereum;
  if (!eth) throw new Error("no browser wallet found: install an EIP-1193 wallet (e.g. MetaMask) to delegate and vote");
  const [address] = (await eth.request({ method: "eth_requestAccounts" })) as Address[];
  if (!address) throw new Error("the wallet gave no account");
  const chainId = Number(await eth.request({ method: "eth_chainId" }));
  if (chainId !== config.chainId) {
    try {
      await eth.request({
        method: "wallet_switchEthereumChain",
        params: [{ chainId: `0x${config.chainId.toString(16)}` }],
      });
    } catch {
      throw new Error(
        `the wallet is on chain ${chainId}: switch it to chain ${config.chainId}, where dvpn is deployed`,
      );
    }
  }
  const chain = defineChain({
    id: config.chainId,
    name: `dvpn chain ${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [] } },
  });
  const client = createDvpnClient({
    chain,
    transport: custom(eth),
    account: address,
    deployment: config.deployment,
    pollingInterval: 500,
  });
  connected = { address, client };
  return connected;
}
