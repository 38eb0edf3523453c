import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";

/** What {@link withdrawStake} returns: the transaction, its receipt and the decoded result. */
export type WithdrawStakeReturnType = WriteResult & { amount: bigint };

/**
 * Pays out the client's unbonded stake once the unbonding period is over.
 * @param client a DvpnClient with an account.
 * @returns the transaction and the amount paid out.
 * @throws {ContractRevertError} `RegistryUnbondingNotOver` or `RegistryNothingToWithdraw`.
 * @example const { amount } = await withdrawStake(client)
 */
export async function withdrawStake(client: DvpnContext): Promise<WithdrawStakeReturnType> {
  const { registry } = addresses(client);
  const result = await writeAndWait(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: "withdraw",
    args: [],
  });
  const e = findEvent({
    abi: providerRegistryAbi,
    logs: result.receipt.logs,
    eventName: "StakeWithdrawn",
    address: registry,
    hash: result.hash,
    action: "withdrawStake",
  });
  return { ...result, amount: e.amount };
}
