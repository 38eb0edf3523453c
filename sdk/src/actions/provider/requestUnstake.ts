import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkUint } from "../../internal/validate.ts";
import { findEvent, writeAndWait } from "../../internal/write.ts";

/** Parameters of {@link requestUnstake}. */
export interface RequestUnstakeParameters {
  /** Protocol-token wei to move into unbonding. Unstaking everything deregisters the provider. */
  amount: bigint;
}

/** What {@link requestUnstake} returns: the transaction, its receipt and the decoded result. */
export type RequestUnstakeReturnType = WriteResult & {
  amount: bigint;
  /** Total now unbonding. */
  unbonding: bigint;
  /** Unix time from which {@link withdrawStake} succeeds. */
  releaseTime: number;
  /** True when the whole stake was unstaked and the provider left the registry. */
  deregistered: boolean;
};

/**
 * Starts unbonding part (or all) of the client's stake.
 * @param client a DvpnClient with an account.
 * @param params the amount.
 * @returns the transaction, the unbonding total and its release time.
 * @example const { releaseTime } = await requestUnstake(client, { amount: parseUnits("100", 18) })
 */
export async function requestUnstake(
  client: DvpnContext,
  params: RequestUnstakeParameters,
): Promise<RequestUnstakeReturnType> {
  const amount = checkUint(params.amount, "amount", 128, 1n);
  const { registry } = addresses(client);
  const result = await writeAndWait(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: "requestUnstake",
    args: [amount],
  });
  const e = findEvent({
    abi: providerRegistryAbi,
    logs: result.receipt.logs,
    eventName: "UnstakeRequested",
    address: registry,
    hash: result.hash,
    action: "requestUnstake",
  });
  let deregistered = true;
  try {
    findEvent({
      abi: providerRegistryAbi,
      logs: result.receipt.logs,
      eventName: "ProviderDeregistered",
      address: registry,
      hash: result.hash,
      action: "requestUnstake",
    });
  } catch {
    deregistered = false;
  }
  return { ...result, amount: e.amount, unbonding: e.unbonding, releaseTime: Number(e.releaseTime), deregistered };
}
