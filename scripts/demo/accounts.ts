/**
 * Demo accounts: fresh keys made for each run (never stored in the repo), funded from the local
 * chain's first unlocked account, and SDK clients bound to them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineChain, http, parseEther, type Address, type Chain, type Hex, type PrivateKeyAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createDvpnClient, type DvpnClient } from "../../sdk/src/index.ts";
import type { Deployment } from "../../sdk/src/deployment/types.ts";
import { timedFetch } from "../lib/timedFetch.ts";

/** The local chain as a viem `Chain`. */
export function localChain(url: string, chainId: number): Chain {
  return defineChain({
    id: chainId,
    name: "dvpn local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
}

/** A demo participant: its key (kept in memory and in a 0600 temp file), account and SDK client. */
export interface DemoAccount {
  name: string;
  key: Hex;
  account: PrivateKeyAccount;
  address: Address;
  client: DvpnClient;
  /** Path of a 0600 file holding the key, for daemons that read keys from files. */
  keyFile: string;
}

/** Creates the temp folder that holds the run's key files (removed by the returned cleanup). */
export function createKeyDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "dvpn-demo-keys-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A feed request unanswered after this fails the demo step instead of hanging it. */
export const FEED_TIMEOUT_MS = 30_000;

/** Makes a fresh account with an SDK client. */
export function createDemoAccount(params: {
  name: string;
  chain: Chain;
  rpcUrl: string;
  deployment: Deployment;
  indexerUrl?: string;
  keyDir: string;
}): DemoAccount {
  const key = generatePrivateKey();
  const account = privateKeyToAccount(key);
  const keyFile = join(params.keyDir, `${params.name}.key`);
  writeFileSync(keyFile, key + "\n", { mode: 0o600 });
  const client = createDvpnClient({
    chain: params.chain,
    transport: http(params.rpcUrl),
    account,
    deployment: params.deployment,
    pollingInterval: 100,
    ...(params.indexerUrl ? { indexerUrl: params.indexerUrl, fetch: timedFetch(FEED_TIMEOUT_MS) } : {}),
  });
  return { name: params.name, key, account, address: account.address, client, keyFile };
}

/** 10 ETH for gas, from the chain's first unlocked account. */
export const GAS_FUNDING = parseEther("10");
