import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId, checkUint } from "../../internal/validate.ts";
import { read } from "../../internal/write.ts";

/**
 * What a voucher for (`bytes`, `seconds`) is worth in a session, computed by the escrow
 * (`SessionEscrow.priceOf`). {@link priceUsage} computes the same offline.
 * @param client a DvpnClient.
 * @param params session id and cumulative usage.
 * @returns the cost in the payment token's smallest unit, capped at the deposit.
 * @example await getPriceOf(client, { sessionId: 1n, bytes: 1n << 30n, seconds: 60n })
 */
export async function getPriceOf(
  client: DvpnContext,
  params: { sessionId: bigint; bytes: bigint; seconds: bigint },
): Promise<bigint> {
  return read(client.publicClient, {
    address: addresses(client).escrow,
    abi: sessionEscrowAbi,
    functionName: "priceOf",
    args: [
      checkSessionId(params.sessionId),
      checkUint(params.bytes, "bytes", 64),
      checkUint(params.seconds, "seconds", 64),
    ],
  });
}
