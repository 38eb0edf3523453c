import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId, checkText } from "../../internal/validate.ts";
import { writeAndWait } from "../../internal/write.ts";

/** Parameters of {@link acceptSession}. */
export interface AcceptSessionParameters {
  sessionId: bigint;
  /** The client's tunnel address(es), e.g. `"10.77.0.2/16,fd77:dead:beef::2/64"` (1–96 bytes). */
  tunnelAddress: string;
}

/**
 * The provider accepts a pending session and tells the client its tunnel address (what the
 * gateway agent calls after adding the WireGuard peer).
 * @param client a DvpnClient whose account is the session's provider.
 * @param params session id and tunnel address.
 * @returns the transaction and its receipt.
 * @example await acceptSession(client, { sessionId: 1n, tunnelAddress: "10.77.0.2/16" })
 */
export async function acceptSession(client: DvpnContext, params: AcceptSessionParameters): Promise<WriteResult> {
  const sessionId = checkSessionId(params.sessionId);
  const tunnelAddress = checkText(params.tunnelAddress, "tunnelAddress", 96);
  return writeAndWait(client, {
    address: addresses(client).escrow,
    abi: sessionEscrowAbi,
    functionName: "acceptSession",
    args: [sessionId, tunnelAddress],
  });
}
