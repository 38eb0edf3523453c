import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createPublicClient, defineChain, http, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { dvpnTokenAbi } from "../abi/index.ts";
import { createDvpnClient, type DvpnClient } from "../client/createDvpnClient.ts";
import { loadDeployment } from "../deployment/loadDeployment.ts";
import { toDvpnError } from "../errors/contract.ts";
import { DvpnError } from "../errors/base.ts";
import type { OptionSpec } from "./optionSpec.ts";
import type { TokenInfo } from "./format.ts";
import type { Output } from "./output.ts";

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  rpc: {
    type: "string",
    value: "<url>",
    description: "JSON-RPC endpoint (env DVPN_RPC_URL; default http://127.0.0.1:8545)",
  },
  deployment: {
    type: "string",
    value: "<file>",
    description: "deployment record to use (default <deployments-dir>/<chainId>.json)",
  },
  "deployments-dir": {
    type: "string",
    value: "<dir>",
    description: "folder of deployment records (env DVPN_DEPLOYMENTS_DIR)",
  },
  "key-file": {
    type: "string",
    value: "<file>",
    description: "file holding the account's private key (env DVPN_PRIVATE_KEY_FILE, or the key in DVPN_PRIVATE_KEY)",
  },
  indexer: { type: "string", value: "<url>", description: "GraphQL feed URL (env DVPN_INDEXER_URL)" },
  json: { type: "boolean", description: "print machine-readable JSON on stdout" },
  help: { type: "boolean", short: "h", description: "show help" },
};

/** Validated global options (flag > environment > default). */
export const globalSchema = z.object({
  rpc: z.url({ message: "must be an http(s) URL" }),
  deployment: z.string().optional(),
  deploymentsDir: z.string(),
  keyFile: z.string().optional(),
  indexer: z.url({ message: "must be an http(s) URL" }).optional(),
  json: z.boolean(),
});

export type GlobalOptions = z.infer<typeof globalSchema>;

const packageRoot = join(import.meta.dirname, "../../..");

/** Reads the global options from parsed flags and the environment. */
export function resolveGlobals(values: Record<string, unknown>, env: NodeJS.ProcessEnv): GlobalOptions {
  return globalSchema.parse({
    rpc: values.rpc ?? env.DVPN_RPC_URL ?? "http://127.0.0.1:8545",
    deployment: values.deployment,
    deploymentsDir: values["deployments-dir"] ?? env.DVPN_DEPLOYMENTS_DIR ?? join(packageRoot, "deployments"),
    keyFile: values["key-file"] ?? env.DVPN_PRIVATE_KEY_FILE,
    indexer: values.indexer ?? env.DVPN_INDEXER_URL,
    json: values.json === true,
  });
}

/** Thrown when the private key is missing or malformed; never shows the key. */
export class KeyError extends DvpnError {
  override name = "KeyError";
}

/** What a command runs with: the options, the output, and lazily built clients. */
export interface CliContext {
  globals: GlobalOptions;
  out: Output;
  env: NodeJS.ProcessEnv;
  /** A client for the chain; `needsAccount` makes a missing key an error. */
  client(needsAccount?: boolean): Promise<DvpnClient>;
  /** Symbol and decimals of the protocol token and the payment token. */
  tokens(): Promise<{ token: TokenInfo; paymentToken: TokenInfo }>;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
}

function readKey(globals: GlobalOptions, env: NodeJS.ProcessEnv): Hex | undefined {
  let raw: string | undefined;
  let source: string;
  if (globals.keyFile) {
    source = `--key-file ${globals.keyFile}`;
    try {
      raw = readFileSync(globals.keyFile, "utf8");
    } catch (err) {
      throw new KeyError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`);
    }
  } else {
    source = "DVPN_PRIVATE_KEY";
    raw = env.DVPN_PRIVATE_KEY;
  }
  return parseKey(raw, source);
}

/**
 * Reads a private key from a file (e.g. `--exit-key-file`), with the same checks as `--key-file`.
 * @param path the file.
 * @param option the option that named it, for the error.
 * @returns the key.
 * @throws {KeyError} when the file cannot be read or holds no well-formed key.
 */
export function readKeyFile(path: string, option: string): Hex {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (err) {
    throw new KeyError(`cannot read ${option} ${path}: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}`);
  }
  const key = parseKey(raw, `${option} ${path}`);
  if (!key) throw new KeyError(`${option} ${path} is empty`);
  return key;
}

function parseKey(raw: string | undefined, source: string): Hex | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const key = raw.trim().replace(/^(?!0x)/, "0x");
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new KeyError(`the private key in ${source} is malformed: expected 32 bytes of hex (0x + 64 hex digits)`);
  }
  return key as Hex;
}

/** Builds the context for one CLI run. */
export function createCliContext(params: {
  globals: GlobalOptions;
  out: Output;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}): CliContext {
  const { globals, env } = params;
  let clientPromise: Promise<DvpnClient> | undefined;
  let tokensPromise: Promise<{ token: TokenInfo; paymentToken: TokenInfo }> | undefined;

  async function build(): Promise<DvpnClient> {
    const transport = http(globals.rpc, { retryCount: 1 });
    let chainId: number;
    try {
      chainId = await createPublicClient({ transport }).getChainId();
    } catch (err) {
      throw toDvpnError(err, `connect to ${globals.rpc}`);
    }
    const chain: Chain = defineChain({
      id: chainId,
      name: chainId === 31337 ? "hardhat" : `chain-${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [globals.rpc] } },
    });
    const deployment = globals.deployment
      ? loadDeployment({ file: globals.deployment, chainId })
      : loadDeployment({ chainId, dir: globals.deploymentsDir });
    const key = readKey(globals, env);
    return createDvpnClient({
      chain,
      transport,
      deployment,
      pollingInterval: chainId === 31337 ? 200 : 2_000,
      ...(key ? { account: privateKeyToAccount(key) } : {}),
      ...(globals.indexer ? { indexerUrl: globals.indexer } : {}),
    });
  }

  const ctx: CliContext = {
    globals,
    out: params.out,
    env,
    signal: params.signal,
    async client(needsAccount = false) {
      clientPromise ??= build();
      const client = await clientPromise;
      if (needsAccount && !client.account) {
        throw new KeyError("this command signs transactions: give --key-file <file> or set DVPN_PRIVATE_KEY");
      }
      return client;
    },
    async tokens() {
      tokensPromise ??= (async () => {
        const client = await ctx.client();
        const info = async (address: `0x${string}`): Promise<TokenInfo> => {
          try {
            const [symbol, decimals] = await Promise.all([
              client.publicClient.readContract({ address, abi: dvpnTokenAbi, functionName: "symbol" }),
              client.publicClient.readContract({ address, abi: dvpnTokenAbi, functionName: "decimals" }),
            ]);
            return { symbol, decimals };
          } catch (err) {
            throw toDvpnError(err, "token symbol/decimals");
          }
        };
        const c = client.deployment.contracts;
        const [token, paymentToken] = await Promise.all([info(c.DVPNToken.address), info(c.PaymentToken.address)]);
        return { token, paymentToken };
      })();
      return tokensPromise;
    },
  };
  return ctx;
}
