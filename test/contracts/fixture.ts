/**
 * Shared fixture for the contract tests: a fresh in-process Hardhat network with the whole
 * protocol deployed by the same code as `npm run deploy`, funded test accounts and helpers.
 */
import { network } from "hardhat";
import {
  decodeEventLog,
  getContract,
  parseUnits,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { deployProtocol, LOCAL_PARAMETERS } from "../../scripts/deploy/deployProtocol.ts";
import {
  dvpnGovernorAbi,
  dvpnTimelockAbi,
  dvpnTokenAbi,
  mockStablecoinAbi,
  providerRegistryAbi,
  sessionEscrowAbi,
} from "../../sdk/src/abi/index.ts";

export const DVPN = (n: string | number) => parseUnits(String(n), 18);
export const USD = (n: string | number) => parseUnits(String(n), 6);

/** Deploys the protocol on a new in-process network. Accounts: [0] deployer, the rest funded users. */
export async function deployFixture() {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const [deployer, ...users] = wallets;
  if (!deployer) throw new Error("no accounts");
  const deployment = await deployProtocol({ publicClient, walletClient: deployer });
  const c = deployment.contracts;
  const client = { public: publicClient, wallet: deployer };
  const token = getContract({ address: c.DVPNToken.address, abi: dvpnTokenAbi, client });
  const usd = getContract({ address: c.PaymentToken.address, abi: mockStablecoinAbi, client });
  const registry = getContract({ address: c.ProviderRegistry.address, abi: providerRegistryAbi, client });
  const escrow = getContract({ address: c.SessionEscrow.address, abi: sessionEscrowAbi, client });
  const governor = getContract({ address: c.DVPNGovernor.address, abi: dvpnGovernorAbi, client });
  const timelock = getContract({ address: c.DVPNTimelock.address, abi: dvpnTimelockAbi, client });

  // Fund every user with 100k DVPN and 10k mUSD, and approve the registry and the escrow.
  for (const user of users.slice(0, 10)) {
    const addr = user.account.address;
    await token.write.transfer([addr, DVPN(100_000)]);
    await usd.write.mint([addr, USD(10_000)]);
    await user.writeContract({
      address: token.address,
      abi: dvpnTokenAbi,
      functionName: "approve",
      args: [registry.address, 2n ** 255n],
    });
    await user.writeContract({
      address: usd.address,
      abi: mockStablecoinAbi,
      functionName: "approve",
      args: [escrow.address, 2n ** 255n],
    });
  }

  /** Impersonates the timelock to call governance-only functions directly. */
  async function asTimelock<T>(fn: (timelockAddress: Address) => Promise<T>): Promise<T> {
    await networkHelpers.impersonateAccount(timelock.address);
    await networkHelpers.setBalance(timelock.address, 10n ** 20n);
    try {
      return await fn(timelock.address);
    } finally {
      await networkHelpers.stopImpersonatingAccount(timelock.address);
    }
  }

  /** The protocol contracts with `wallet` as the sender of every write. */
  function as(wallet: NonNullable<typeof deployer>) {
    const c2 = { public: publicClient, wallet };
    return {
      token: getContract({ address: token.address, abi: dvpnTokenAbi, client: c2 }),
      usd: getContract({ address: usd.address, abi: mockStablecoinAbi, client: c2 }),
      registry: getContract({ address: registry.address, abi: providerRegistryAbi, client: c2 }),
      escrow: getContract({ address: escrow.address, abi: sessionEscrowAbi, client: c2 }),
      governor: getContract({ address: governor.address, abi: dvpnGovernorAbi, client: c2 }),
      timelock: getContract({ address: timelock.address, abi: dvpnTimelockAbi, client: c2 }),
    };
  }

  /** Waits for a transaction and returns its receipt, failing on a revert. */
  async function mined(hash: Hex | Promise<Hex>): Promise<TransactionReceipt> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
    return receipt;
  }

  const targets = {
    registry: { address: registry.address, abi: providerRegistryAbi as Abi },
    escrow: { address: escrow.address, abi: sessionEscrowAbi as Abi },
    governor: { address: governor.address, abi: dvpnGovernorAbi as Abi },
    timelock: { address: timelock.address, abi: dvpnTimelockAbi as Abi },
  };

  /**
   * Sends `functionName(args)` to a protocol contract from the timelock's address. Call it
   * inside {@link asTimelock}; resolves to the receipt, rejects with the revert.
   */
  async function timelockWrite(
    timelockAddress: Address,
    functionName: string,
    args: readonly unknown[],
    target: keyof typeof targets = "registry",
  ): Promise<TransactionReceipt> {
    const wallet = await viem.getWalletClient(timelockAddress);
    const { address, abi } = targets[target];
    return mined(wallet.writeContract({ address, abi, functionName, args } as never));
  }

  return {
    connection,
    as,
    timelockWrite,
    mined,
    viem,
    networkHelpers,
    publicClient,
    deployer,
    users,
    deployment,
    parameters: LOCAL_PARAMETERS,
    token,
    usd,
    registry,
    escrow,
    governor,
    timelock,
    asTimelock,
  };
}

export type Fixture = Awaited<ReturnType<typeof deployFixture>>;
/** A funded test wallet. */
export type Wallet = Fixture["deployer"];

let shared: { fixture: Fixture; restore: () => Promise<void> } | undefined;

/**
 * The fixture deployed once per test process, with the chain reverted to the state right
 * after deployment on every call: tests stay independent without paying for a deployment each.
 */
export async function loadFixture(): Promise<Fixture> {
  if (shared) {
    await shared.restore();
    return shared.fixture;
  }
  const fixture = await deployFixture();
  const snapshot = await fixture.networkHelpers.takeSnapshot();
  shared = { fixture, restore: () => snapshot.restore() };
  return fixture;
}

/** Every event of `abi` in `receipt` emitted by `address`, decoded (others skipped). */
export function eventsOf<TAbi extends Abi>(abi: TAbi, address: Address, receipt: TransactionReceipt) {
  const out: { eventName: string; args: Record<string, unknown> }[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    try {
      const ev = decodeEventLog({ abi, data: log.data, topics: log.topics }) as unknown as {
        eventName: string;
        args: Record<string, unknown>;
      };
      out.push(ev);
    } catch {
      // not an event of this ABI
    }
  }
  return out;
}
