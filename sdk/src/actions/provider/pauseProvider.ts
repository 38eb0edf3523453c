import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { writeAndWait } from "../../internal/write.ts";

/**
 * Stops new sessions to the client's provider (open ones continue).
 * @param client a DvpnClient with an account.
 * @returns the transaction and its receipt.
 * @throws {ContractRevertError} e.g. `RegistryAlreadyPaused`.
 * @example await pauseProvider(client)
 */
export async function pauseProvider(client: DvpnContext): Promise<WriteResult> {
  return writeAndWait(client, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "pause",
    args: [],
  });
}
