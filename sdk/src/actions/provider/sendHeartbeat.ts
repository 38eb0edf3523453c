import { providerRegistryAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { writeAndWait } from "../../internal/write.ts";

/**
 * Records that the client's provider is alive (the gateway agent calls it every heartbeatTimeout / 3).
 * @param client a DvpnClient with an account.
 * @returns the transaction and its receipt.
 * @throws {ContractRevertError} e.g. `RegistryNotRegistered`.
 * @example await sendHeartbeat(client)
 */
export async function sendHeartbeat(client: DvpnContext): Promise<WriteResult> {
  return writeAndWait(client, {
    address: addresses(client).registry,
    abi: providerRegistryAbi,
    functionName: "heartbeat",
    args: [],
  });
}
