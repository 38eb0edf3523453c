import type { Address } from "viem";
import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId } from "../../internal/validate.ts";
import { read } from "../../internal/write.ts";

/** Where a session is in its life (`ISessionEscrow.SessionStatus`). */
export type SessionStatus = "None" | "Pending" | "Active" | "Closing" | "Closed";

/** The names of `SessionStatus` values, by their on-chain number. */
export const SESSION_STATUSES: readonly SessionStatus[] = ["None", "Pending", "Active", "Closing", "Closed"];

/** A session's on-chain record (`SessionEscrow.getSession`). */
export interface SessionRecord {
  sessionId: bigint;
  client: Address;
  provider: Address;
  /** Signs the usage vouchers. */
  signer: Address;
  status: SessionStatus;
  /** Accept deadline while Pending, settlement deadline while Closing, else 0 (unix seconds). */
  deadline: number;
  feeBps: number;
  deposit: bigint;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  claimedBytes: bigint;
  claimedSeconds: bigint;
  /** Gross amount paid out so far (fees included). */
  paid: bigint;
}

/**
 * Reads a session's record.
 * @param client a DvpnClient.
 * @param params the session id.
 * @returns the record; `status: "None"` when the id does not exist.
 * @example const s = await getSession(client, { sessionId: 1n }); console.log(s.status)
 */
export async function getSession(client: DvpnContext, params: { sessionId: bigint }): Promise<SessionRecord> {
  const sessionId = checkSessionId(params.sessionId);
  const s = await read(client.publicClient, {
    address: addresses(client).escrow,
    abi: sessionEscrowAbi,
    functionName: "getSession",
    args: [sessionId],
  });
  return {
    sessionId,
    client: s.client,
    provider: s.provider,
    signer: s.signer,
    status: SESSION_STATUSES[s.status] ?? "None",
    deadline: Number(s.deadline),
    feeBps: Number(s.feeBps),
    deposit: s.deposit,
    pricePerGiB: s.pricePerGiB,
    pricePerMinute: s.pricePerMinute,
    claimedBytes: s.claimedBytes,
    claimedSeconds: s.claimedSeconds,
    paid: s.paid,
  };
}
