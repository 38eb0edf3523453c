/**
 * Shared fixture for the contract tests: a fresh in-process Hardhat network with the whole
 * protocol deployed by the same code as `npm run deploy`, funded test accounts and helpers.
 */
import { network } from "hardhat";
import { getContract, parseUnits, type Address } from "viem";
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

  return {
    connection,
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
