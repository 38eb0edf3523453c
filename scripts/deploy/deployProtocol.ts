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
  isAddress,
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
import type { Deployment, DeploymentParameters, TokenAllocation } from "../../sdk/src/deployment/types.ts";

const ARTIFACTS = join(import.meta.dirname, "../../artifacts/contracts");

const LOCAL_SUPPLY = parseUnits("1000000000", 18).toString();

/**
 * Parameters of a local deployment: short periods so a demo can run a whole vote, and the whole
 * supply to the deployer, which funds the demo's and the tests' accounts from it.
 */
export const LOCAL_PARAMETERS: DeploymentParameters = {
  tokenSupply: LOCAL_SUPPLY,
  distribution: [{ to: "deployer", amount: LOCAL_SUPPLY, label: "local accounts (demo, tests)" }],
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

/**
 * Resolves the initial distribution to (recipient, amount) lists for the token's constructor.
 * @throws Error naming the bad allocation, before anything is sent: an amount that is not a
 * positive integer, a recipient that is neither an address nor a role, or amounts whose sum is
 * not `tokenSupply`.
 */
export function resolveDistribution(
  p: Pick<DeploymentParameters, "tokenSupply" | "distribution">,
  roles: { deployer: Address; timelock: Address },
): { recipients: Address[]; amounts: bigint[] } {
  const list: TokenAllocation[] | undefined = p.distribution;
  if (!Array.isArray(list) || list.length === 0) {
    throw new Error("parameters.distribution is missing: list who receives the DVPN supply ({ to, amount })");
  }
  const recipients: Address[] = [];
  const amounts: bigint[] = [];
  list.forEach((a, i) => {
    const where = `parameters.distribution[${i}]`;
    if (typeof a.amount !== "string" || !/^[1-9]\d*$/.test(a.amount)) {
      throw new Error(`${where}.amount must be a positive integer in wei as a decimal string, got ${String(a.amount)}`);
    }
    const to = a.to === "deployer" || a.to === "timelock" ? roles[a.to] : a.to;
    if (typeof to !== "string" || !isAddress(to) || BigInt(to) === 0n) {
      throw new Error(`${where}.to must be an address, "deployer" or "timelock", got ${String(a.to)}`);
    }
    recipients.push(getAddress(to));
    amounts.push(BigInt(a.amount));
  });
  const sum = amounts.reduce((x, y) => x + y, 0n);
  if (sum !== BigInt(p.tokenSupply)) {
    throw new Error(`parameters.distribution sums to ${sum} wei, not tokenSupply ${p.tokenSupply}`);
  }
  return { recipients, amounts };
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

  // Checked before anything is sent (the timelock's address is not known yet: a stand-in).
  resolveDistribution(p, { deployer, timelock: deployer });

  // The timelock first, so that the token can mint its allocation to it directly.
  const timelockPath = "governance/DVPNTimelock.sol/DVPNTimelock.json";
  const timelock = await deploy("DVPNTimelock", timelockPath, [
    BigInt(p.governor.timelockDelay),
    [],
    [zeroAddress],
    deployer,
  ]);
  const { recipients, amounts } = resolveDistribution(p, { deployer, timelock });
  const token = await deploy("DVPNToken", "DVPNToken.sol/DVPNToken.json", [recipients, amounts]);
  recipients.forEach((to, i) =>
    log(`DVPN: ${amounts[i]} wei to ${to} (${p.distribution[i]!.label ?? p.distribution[i]!.to})`),
  );
  let paymentToken = params.paymentToken;
  if (!paymentToken) paymentToken = await deploy("PaymentToken", "mocks/MockStablecoin.sol/MockStablecoin.json", []);
  else contracts.PaymentToken = { address: getAddress(paymentToken), blockNumber: 0 };

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
