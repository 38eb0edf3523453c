/**
 * `npm run deploy`: deploys the protocol to a JSON-RPC endpoint and writes
 * deployments/<chainId>.json.
 *
 * Environment: DVPN_RPC_URL (default http://127.0.0.1:8545); the deployer key from
 * DVPN_PRIVATE_KEY or the file named by DVPN_PRIVATE_KEY_FILE (never from the repo);
 * DVPN_PAYMENT_TOKEN to use an existing ERC20 instead of deploying the mock stablecoin;
 * DVPN_DEPLOY_PARAMETERS, a JSON file of DeploymentParameters (the governance and protocol values and
 * the initial DVPN distribution), instead of LOCAL_PARAMETERS, which give the whole supply to the
 * deployer (fit for a local chain only). See docs/contracts.md, "Initial distribution".
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPublicClient, createWalletClient, defineChain, http, isAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DeploymentParameters } from "../sdk/src/deployment/types.ts";
import { checkDeploymentParameters } from "./deploy/checkParameters.ts";
import { deployProtocol, LOCAL_PARAMETERS } from "./deploy/deployProtocol.ts";

function deployerKey(): Hex {
  const file = process.env.DVPN_PRIVATE_KEY_FILE;
  const key = (file ? readFileSync(file, "utf8") : (process.env.DVPN_PRIVATE_KEY ?? "")).trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new Error("set DVPN_PRIVATE_KEY or DVPN_PRIVATE_KEY_FILE to the deployer's 0x-prefixed 32-byte private key");
  }
  return key as Hex;
}

function deployParameters(): DeploymentParameters {
  const file = process.env.DVPN_DEPLOY_PARAMETERS;
  if (!file) {
    console.error("deploy: no DVPN_DEPLOY_PARAMETERS: local parameters, the whole DVPN supply to the deployer");
    return LOCAL_PARAMETERS;
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(
      `DVPN_DEPLOY_PARAMETERS: cannot read ${file} as JSON (${err instanceof Error ? err.message : err})`,
    );
  }
  try {
    return checkDeploymentParameters(json);
  } catch (err) {
    throw new Error(
      `DVPN_DEPLOY_PARAMETERS: ${file}: ${err instanceof Error ? err.message : String(err)} ` +
        "(see LOCAL_PARAMETERS in scripts/deploy/deployProtocol.ts)",
      { cause: err },
    );
  }
}

async function main(): Promise<void> {
  const parameters = deployParameters();
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
    parameters,
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
