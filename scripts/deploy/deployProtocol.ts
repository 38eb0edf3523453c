/**
 * Deploys the whole protocol (token, payment token, timelock, governor, registry, escrow),
 * wires the roles so that the timelock holds every power and the deployer keeps none, and
 * returns the deployment record that `deployments/<chainId>.json` stores.
 *
 * Works with any viem wallet client: Hardhat's in-process network, a local node or a remote
 * JSON-RPC endpoint.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  getAddress,
  parseUnits,
  zeroAddress,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { Deployment, DeploymentParameters } from "../../sdk/src/deployment/types.ts";

const ARTIFACTS = join(import.meta.dirname, "../../artifacts/contracts");

/** Parameters of a local deployment: short periods so a demo can run a whole vote. */
export const LOCAL_PARAMETERS: DeploymentParameters = {
  tokenSupply: parseUnits("1000000000", 18).toString(),
  governor: { votingDelay: 60, votingPeriod: 300, proposalThreshold: "0", quorumNumerator: 4, timelockDelay: 60 },
  registry: {
    minStake: parseUnits("1000", 18).toString(),
    unbondingPeriod: 86_400,
    heartbeatTimeout: 900,
    maxSlashBps: 1_000,
  },
  escrow: { protocolFeeBps: 250, acceptTimeout: 300, settlementWindow: 3_600 },
};

export interface DeployProtocolParameters {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** Defaults to {@link LOCAL_PARAMETERS}. */
  parameters?: DeploymentParameters;
  /** ERC20 the escrow is paid in. Deploys a 6-decimal MockStablecoin when omitted. */
  paymentToken?: Address;
  /** Receives protocol fees. Defaults to the timelock (so governance spends them). */
  treasury?: Address;
  /** Progress lines (stderr by default in the CLI). */
  log?: (line: string) => void;
}

function artifact(path: string): { abi: Abi; bytecode: Hex } {
  const json = JSON.parse(readFileSync(join(ARTIFACTS, path), "utf8")) as { abi: Abi; bytecode: Hex };
  return { abi: json.abi, bytecode: json.bytecode };
}

/** Deploys the protocol and returns its {@link Deployment} record. */
export async function deployProtocol(params: DeployProtocolParameters): Promise<Deployment> {
  const { publicClient, walletClient } = params;
  const p = params.parameters ?? LOCAL_PARAMETERS;
  const log = params.log ?? (() => {});
  const deployer = walletClient.account.address;
  const chainId = await publicClient.getChainId();
  const contracts: Deployment["contracts"] = {} as Deployment["contracts"];

  async function deploy(name: keyof Deployment["contracts"], path: string, args: unknown[]): Promise<Address> {
    const { abi, bytecode } = artifact(path);
    const hash = await walletClient.deployContract({
      abi,
      bytecode,
      args,
      account: walletClient.account,
      chain: walletClient.chain,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deploying ${name} failed (${hash})`);
    contracts[name] = { address: getAddress(receipt.contractAddress), blockNumber: Number(receipt.blockNumber) };
    log(`deployed ${name} at ${receipt.contractAddress} (gas ${receipt.gasUsed})`);
    return receipt.contractAddress;
  }

  async function send(address: Address, path: string, functionName: string, args: unknown[]): Promise<void> {
    const { abi } = artifact(path);
    const hash = await walletClient.writeContract({
      address,
      abi,
      functionName,
      args,
      account: walletClient.account,
      chain: walletClient.chain,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} failed (${hash})`);
  }

  const token = await deploy("DVPNToken", "DVPNToken.sol/DVPNToken.json", [deployer, BigInt(p.tokenSupply)]);
  let paymentToken = params.paymentToken;
  if (!paymentToken) paymentToken = await deploy("PaymentToken", "mocks/MockStablecoin.sol/MockStablecoin.json", []);
  else contracts.PaymentToken = { address: getAddress(paymentToken), blockNumber: 0 };

  const timelockPath = "governance/DVPNTimelock.sol/DVPNTimelock.json";
  const timelock = await deploy("DVPNTimelock", timelockPath, [
    BigInt(p.governor.timelockDelay),
    [],
    [zeroAddress],
    deployer,
  ]);
  const governor = await deploy("DVPNGovernor", "governance/DVPNGovernor.sol/DVPNGovernor.json", [
    token,
    timelock,
    p.governor.votingDelay,
    p.governor.votingPeriod,
    BigInt(p.governor.proposalThreshold),
    BigInt(p.governor.quorumNumerator),
  ]);
  const registryPath = "ProviderRegistry.sol/ProviderRegistry.json";
  const registry = await deploy("ProviderRegistry", registryPath, [
    token,
    timelock,
    BigInt(p.registry.minStake),
    BigInt(p.registry.unbondingPeriod),
    BigInt(p.registry.heartbeatTimeout),
    BigInt(p.registry.maxSlashBps),
  ]);
  const escrow = await deploy("SessionEscrow", "SessionEscrow.sol/SessionEscrow.json", [
    paymentToken,
    registry,
    timelock,
    params.treasury ?? timelock,
    BigInt(p.escrow.protocolFeeBps),
    BigInt(p.escrow.acceptTimeout),
    BigInt(p.escrow.settlementWindow),
  ]);
  await send(registry, registryPath, "bindEscrow", [escrow]);

  const { abi: timelockAbi } = artifact(timelockPath);
  const role = (name: string) =>
    publicClient.readContract({ address: timelock, abi: timelockAbi, functionName: name }) as Promise<Hex>;
  await send(timelock, timelockPath, "grantRole", [await role("PROPOSER_ROLE"), governor]);
  await send(timelock, timelockPath, "grantRole", [await role("CANCELLER_ROLE"), governor]);
  await send(timelock, timelockPath, "renounceRole", [await role("DEFAULT_ADMIN_ROLE"), deployer]);
  log("timelock: governor is the only proposer, anyone executes, deployer renounced admin");

  const startBlock = Math.min(
    ...Object.values(contracts)
      .map((c) => c.blockNumber)
      .filter((n) => n > 0),
  );
  return { chainId, startBlock, deployer: getAddress(deployer), contracts, parameters: p };
}
