/**
 * A `hardhat node` on a random port with the protocol deployed, for the CLI tests: the
 * deployment record goes to a temporary folder (never the repository's deployments/), and
 * fresh keys are funded with ETH, DVPN and mUSD. `stop()` kills the node and removes the folder.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, defineChain, http, parseEther, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startLocalChain } from "../../test/kit/localChain.ts";
import { deployProtocol } from "../../test/kit/deployment.ts";
import { dvpnTokenAbi, mockStablecoinAbi } from "../src/abi/index.ts";
import { DVPN, USD } from "./fixture.ts";
import type { Deployment } from "../src/deployment/types.ts";

const root = join(import.meta.dirname, "../..");

export interface CliChain {
  url: string;
  dir: string;
  deployment: Deployment;
  /** Funded private keys (hex); each is also written to `<dir>/key<i>`. */
  keys: Hex[];
  keyFiles: string[];
  addresses: Address[];
  /** Runs `bash bin/dvpn ...args` with the chain's RPC and deployments folder. */
  dvpn(args: string[], options?: { env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult>;
  /** Starts `bash bin/dvpn ...` without waiting (for long-running commands). */
  spawnDvpn(args: string[], env?: Record<string, string>): ReturnType<typeof spawn>;
  stop(): Promise<void>;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * @param params.users how many funded keys (10 ETH, 100k DVPN, 1k mUSD each).
 * @param params.voter index of a key that also gets 100M DVPN (enough to meet the quorum alone).
 * @param params.hostname where the node listens (default 127.0.0.1).
 */
export async function startCliChain(
  params: {
    users?: number;
    voter?: number;
    hostname?: string;
    /** Fixed keys for the first users (an undefined entry: a new random key). */
    keys?: (Hex | undefined)[];
  } = {},
): Promise<CliChain> {
  const chain = await startLocalChain(params.hostname ? { hostname: params.hostname } : {});
  const dir = mkdtempSync(join(tmpdir(), "dvpn-cli-"));
  try {
    const viemChain = defineChain({
      id: chain.chainId,
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    });
    const publicClient = createPublicClient({ chain: viemChain, transport: http(chain.url), pollingInterval: 50 });
    const [deployerAddress] = (await publicClient.transport.request({ method: "eth_accounts" })) as Address[];
    const walletClient = createWalletClient({
      chain: viemChain,
      transport: http(chain.url),
      account: deployerAddress as Address,
      pollingInterval: 50,
    });
    const deployment = await deployProtocol({ publicClient: publicClient as never, walletClient });
    writeFileSync(join(dir, `${chain.chainId}.json`), JSON.stringify(deployment, null, 2));
    const keys: Hex[] = [];
    const keyFiles: string[] = [];
    const addresses: Address[] = [];
    for (let i = 0; i < (params.users ?? 4); i++) {
      const key = params.keys?.[i] ?? generatePrivateKey();
      const address = privateKeyToAccount(key).address;
      const hashes = [
        await walletClient.sendTransaction({ to: address, value: parseEther("10") }),
        await walletClient.writeContract({
          address: deployment.contracts.DVPNToken.address,
          abi: dvpnTokenAbi,
          functionName: "transfer",
          args: [address, i === params.voter ? DVPN(100_100_000) : DVPN(100_000)],
        }),
        await walletClient.writeContract({
          address: deployment.contracts.PaymentToken.address,
          abi: mockStablecoinAbi,
          functionName: "mint",
          args: [address, USD(1_000)],
        }),
      ];
      for (const hash of hashes) await publicClient.waitForTransactionReceipt({ hash });
      const file = join(dir, `key${i}`);
      writeFileSync(file, key + "\n", { mode: 0o600 });
      keys.push(key);
      keyFiles.push(file);
      addresses.push(address);
    }
    const baseEnv = (env: Record<string, string> = {}) => ({
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DVPN_RPC_URL: chain.url,
      DVPN_DEPLOYMENTS_DIR: dir,
      ...env,
    });
    const spawnDvpn = (args: string[], env?: Record<string, string>) =>
      spawn("bash", [join(root, "bin/dvpn"), ...args], {
        cwd: dir,
        env: baseEnv(env),
        stdio: ["ignore", "pipe", "pipe"],
      });
    return {
      url: chain.url,
      dir,
      deployment,
      keys,
      keyFiles,
      addresses,
      spawnDvpn,
      dvpn(args, options = {}) {
        return new Promise((resolve, reject) => {
          const child = spawnDvpn(args, options.env);
          let stdout = "";
          let stderr = "";
          child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
          child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
          const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`dvpn ${args.join(" ")} timed out; stderr: ${stderr}`));
          }, options.timeoutMs ?? 120_000);
          child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
          });
        });
      },
      async stop() {
        await chain.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
