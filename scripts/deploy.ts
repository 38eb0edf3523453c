/**
 * `npm run deploy`: deploys the protocol to a JSON-RPC endpoint and writes
 * deployments/<chainId>.json.
 *
 * Environment: DVPN_RPC_URL (default http://127.0.0.1:8545); the deployer key from
 * DVPN_PRIVATE_KEY or the file named by DVPN_PRIVATE_KEY_FILE (never from the repo);
 * DVPN_PAYMENT_TOKEN to use an existing ERC20 instead of deploying the mock stablecoin.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPublicClient, createWalletClient, defineChain, http, isAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deployProtocol } from "./deploy/deployProtocol.ts";

function deployerKey(): Hex {
  const file = process.env.DVPN_PRIVATE_KEY_FILE;
  const key = (file ? readFileSync(file, "utf8") : (process.env.DVPN_PRIVATE_KEY ?? "")).trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new Error("set DVPN_PRIVATE_KEY or DVPN_PRIVATE_KEY_FILE to the deployer's 0x-prefixed 32-byte private key");
  }
  return key as Hex;
}

async function main(): Promise<void> {
  const url = process.env.DVPN_RPC_URL ?? "http://127.0.0.1:8545";
  const probe = createPublicClient({ transport: http(url) });
  const chainId = await probe.getChainId().catch(() => {
    throw new Error(`cannot reach a chain at ${url}: start one (bash scripts/run hardhat node) or set DVPN_RPC_URL`);
  });
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const paymentToken = process.env.DVPN_PAYMENT_TOKEN;
  if (paymentToken !== undefined && !isAddress(paymentToken))
    throw new Error(`DVPN_PAYMENT_TOKEN is not an address: ${paymentToken}`);
  const deployment = await deployProtocol({
    publicClient: createPublicClient({ chain, transport: http(url) }),
    walletClient: createWalletClient({ chain, transport: http(url), account: privateKeyToAccount(deployerKey()) }),
    ...(paymentToken ? { paymentToken } : {}),
    log: (line) => console.error(line),
  });
  const dir = join(import.meta.dirname, "../deployments");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${chainId}.json`);
  writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");
  console.log(JSON.stringify({ file: `deployments/${chainId}.json`, ...deployment.contracts }, null, 2));
}

main().catch((err: unknown) => {
  console.error(`deploy: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
