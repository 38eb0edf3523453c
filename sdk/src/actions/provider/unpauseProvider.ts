import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { writeAndWait } from "../../internal/write.ts";

/**
 * Lets the client's provider take new sessions again.
 * @param client a DvpnClient with an account.
 * @returns the transaction and its receipt.
 * @throws {ContractRevertError} e.g. `RegistryNotPaused`.
 * @example await unpauseProvider(client)
 */
export async function unpauseProvider(client: DvpnContext): Promise<WriteResult> {
  return writeAndWait(client, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "unpause",
    args: [],
  });
}
