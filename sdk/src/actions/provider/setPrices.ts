import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkUint } from "../../internal/validate.ts";
import { writeAndWait } from "../../internal/write.ts";

/** Parameters of {@link setPrices}. */
export interface SetPricesParameters {
  /** Price per GiB in the payment token's smallest unit (at most 2^64 − 1, `ProviderRegistry.MAX_PRICE`). */
  pricePerGiB: bigint;
  /** Price per minute in the payment token's smallest unit (at most 2^64 − 1, `ProviderRegistry.MAX_PRICE`). */
  pricePerMinute: bigint;
}

/**
 * Sets the client's prices for new sessions (open sessions keep theirs).
 * @param client a DvpnClient with an account.
 * @param params both prices.
 * @returns the transaction and its receipt.
 * @example await setPrices(client, { pricePerGiB: 40_000n, pricePerMinute: 80n })
 */
export async function setPrices(client: DvpnContext, params: SetPricesParameters): Promise<WriteResult> {
  const pricePerGiB = checkUint(params.pricePerGiB, "pricePerGiB", 64);
  const pricePerMinute = checkUint(params.pricePerMinute, "pricePerMinute", 64);
  return writeAndWait(client, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "setPrices",
    args: [pricePerGiB, pricePerMinute],
  });
}
