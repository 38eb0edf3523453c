import type { Hex } from "viem";
import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId, checkUint } from "../../internal/validate.ts";
import { read } from "../../internal/write.ts";

/**
 * The EIP-712 digest of a usage voucher as the escrow computes it (`SessionEscrow.usageDigest`).
 * {@link hashUsageVoucher} computes the same offline.
 * @param client a DvpnClient.
 * @param params session id and cumulative usage.
 * @returns the 32-byte digest.
 * @example await getUsageDigest(client, { sessionId: 1n, bytes: 0n, seconds: 60n })
 */
export async function getUsageDigest(
  client: DvpnContext,
  params: { sessionId: bigint; bytes: bigint; seconds: bigint },
): Promise<Hex> {
  return read(client.publicClient, {
    address: addresses(client).escrow,
    abi: sessionEscrowAbi,
    functionName: "usageDigest",
    args: [
      checkSessionId(params.sessionId),
      checkUint(params.bytes, "bytes", 64),
      checkUint(params.seconds, "seconds", 64),
    ],
  });
}
