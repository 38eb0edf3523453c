import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { ensureAllowance } from "../../internal/permit.ts";
import { checkUint } from "../../internal/validate.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";

/** Parameters of {@link addStake}. */
export interface AddStakeParameters {
  /** Protocol-token wei to add (> 0). */
  amount: bigint;
  /** Default true: first approve the registry for `amount` when the allowance is short (a second transaction). */
  approve?: boolean;
}

/** What {@link addStake} returns: the transaction, its receipt and the decoded result. */
export type AddStakeReturnType = WriteResult & { amount: bigint; stake: bigint };

/**
 * Adds stake to the client's provider record, approving the registry first when needed
 * (the registry has no permit variant of addStake).
 * @param client a DvpnClient with an account.
 * @param params the amount.
 * @returns the transaction and the new total stake.
 * @example const { stake } = await addStake(client, { amount: parseUnits("500", 18) })
 */
export async function addStake(client: DvpnContext, params: AddStakeParameters): Promise<AddStakeReturnType> {
  const amount = checkUint(params.amount, "amount", 128, 1n);
  const { registry, token } = addresses(client);
  if (params.approve !== false) await ensureAllowance(client, { token, spender: registry, amount });
  const result = await writeAndWait(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: "addStake",
    args: [amount],
  });
  const e = findEvent({
    abi: providerRegistryAbi,
    logs: result.receipt.logs,
    eventName: "StakeAdded",
    address: registry,
    hash: result.hash,
    action: "addStake",
  });
  return { ...result, amount: e.amount, stake: e.stake };
}
