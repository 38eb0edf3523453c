/**
 * The chain the backfill part indexes: a `hardhat node` with the protocol deployed and contract
 * providers ("beaters") that heartbeat up to 2,500 times per transaction, so blocks are dense
 * enough to trip viem's 10 MiB response limit and exercise range splitting.
 */
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  toHex,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { deployProtocol } from "../../scripts/deploy/deployProtocol.ts";
import type { startLocalChain } from "../../test/kit/localChain.ts";
import { dvpnTokenAbi } from "../../sdk/src/abi/index.ts";
import { CONFIG } from "./common.ts";

const BEATER_SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
interface IRegistry {
  function register(string calldata, bytes32, bytes2, uint96, uint96, uint32, uint128) external;
  function heartbeat() external;
}
interface IToken { function approve(address, uint256) external returns (bool); }
/// A provider that is a contract, so one transaction can emit many Heartbeat events.
contract Beater {
  function setup(address token, address registry, uint128 stake, bytes32 key, bytes2 region) external {
    IToken(token).approve(registry, type(uint256).max);
    IRegistry(registry).register("bench.example:51820", key, region, 50000, 1000, 10, stake);
  }
  function beat(address registry, uint256 n) external {
    for (uint256 i = 0; i < n; ++i) IRegistry(registry).heartbeat();
  }
}`;

function compileBeater(): { abi: Abi; bytecode: Hex } {
  const require = createRequire(import.meta.url);
  const solc = require("solc") as { compile(input: string): string };
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "Beater.sol": { content: BEATER_SOURCE } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  ) as {
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
    errors?: { severity: string; message: string }[];
  };
  const errors = out.errors?.filter((e) => e.severity === "error") ?? [];
  if (errors.length) throw new Error(errors.map((e) => e.message).join("\n"));
  const c = out.contracts["Beater.sol"]!.Beater!;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

/**
 * Resident memory in MiB of the largest process whose command line holds `--port <port>` (the
 * hardhat node of this run), or null when /proc cannot tell.
 */
export function rssMiBOfPort(port: number): number | null {
  let best: number | null = null;
  try {
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        const i = args.indexOf("--port");
        if (i < 0 || args[i + 1] !== String(port) || !args.includes("node")) continue;
        const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
        if (kb) best = Math.max(best ?? 0, Math.round(Number(kb) / 1024));
      } catch {
        /* the process ended meanwhile */
      }
    }
  } catch {
    return null;
  }
  return best;
}

/**
 * Deploys the protocol and the beaters on `chain`; returns the clients, the deployment and
 * `emitUpTo(n)`, which emits heartbeats until `n` have been emitted in all (the chain grows from
 * one size to the next) and returns the seconds it took.
 */
export async function setUpChain(chain: Awaited<ReturnType<typeof startLocalChain>>) {
  const def = defineChain({
    id: chain.chainId,
    name: "hardhat",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [chain.url] } },
  });
  const publicClient = createPublicClient({ chain: def, transport: http(chain.url) });
  const accounts = ((await publicClient.request({ method: "eth_accounts" as never })) as Address[]).map((a) =>
    getAddress(a),
  );
  const wallet = createWalletClient({ chain: def, transport: http(chain.url), account: accounts[0]! });
  const deployment = await deployProtocol({ publicClient: publicClient as never, walletClient: wallet as never });
  const { abi, bytecode } = compileBeater();
  const registry = deployment.contracts.ProviderRegistry.address;
  const beaters: Address[] = [];
  const wait = async (hash: Hex) => {
    const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (r.status !== "success") throw new Error(`transaction failed: ${hash}`);
    return r;
  };
  for (let i = 0; i < CONFIG.beaters; i++) {
    const r = await wait(await wallet.deployContract({ abi, bytecode, account: accounts[0]!, chain: def }));
    const beater = r.contractAddress!;
    await wait(
      await wallet.writeContract({
        address: deployment.contracts.DVPNToken.address,
        abi: dvpnTokenAbi,
        functionName: "transfer",
        args: [beater, 2000n * 10n ** 18n],
        account: accounts[0]!,
        chain: def,
      }),
    );
    await wait(
      await wallet.writeContract({
        address: beater,
        abi,
        functionName: "setup",
        args: [
          deployment.contracts.DVPNToken.address,
          registry,
          2000n * 10n ** 18n,
          toHex(i + 1, { size: 32 }),
          toHex(["DE", "US", "FR", "JP"][i % 4]!, { size: 2 }),
        ],
        account: accounts[0]!,
        chain: def,
      }),
    );
    beaters.push(beater);
  }

  // The chain grows from one size to the next: only the events that are new get emitted.
  let emitted = 0;
  let txs = 0;
  const emitUpTo = async (target: number) => {
    const t0 = performance.now();
    while (emitted < target) {
      const n = Math.min(CONFIG.perTx, target - emitted);
      await wait(
        await wallet.writeContract({
          address: beaters[txs % beaters.length]!,
          abi,
          functionName: "beat",
          args: [registry, BigInt(n)],
          account: accounts[0]!,
          chain: def,
          gas: 16_000_000n,
        }),
      );
      emitted += n;
      txs += 1;
    }
    // Empty blocks after the events, so all of them are behind the finality depth: backfilled.
    for (let i = 0; i < 10; i++) await publicClient.request({ method: "evm_mine" as never });
    return (performance.now() - t0) / 1000;
  };

  return {
    publicClient,
    deployment,
    registry,
    emitUpTo,
    emitted: () => emitted,
    transactions: () => txs,
  };
}
