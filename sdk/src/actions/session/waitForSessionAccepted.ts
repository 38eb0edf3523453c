import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { toDvpnError } from "../../errors/contract.ts";
import { SessionNotAcceptedError } from "../../errors/session.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkSessionId } from "../../internal/validate.ts";
import { getSession, type SessionRecord } from "../read/getSession.ts";

/** Parameters of {@link waitForSessionAccepted}. */
export interface WaitForSessionAcceptedParameters {
  sessionId: bigint;
  /** Give up after this many milliseconds (default: until the accept deadline passes). */
  timeoutMs?: number;
  /** Milliseconds between polls (default 1000). */
  pollIntervalMs?: number;
  /** First block to search for the SessionAccepted event (default: the deployment's start block). */
  fromBlock?: bigint;
  /** Called after every poll, e.g. to draw a progress indicator. */
  onPoll?: (state: { elapsedMs: number; session: SessionRecord }) => void;
  /** Stops waiting when aborted. */
  signal?: AbortSignal;
}

/** What {@link waitForSessionAccepted} returns. */
export interface WaitForSessionAcceptedReturnType {
  /** The tunnel address(es) the provider assigned, e.g. `"10.77.0.2/16,fd77:dead:beef::2/64"`. */
  tunnelAddress: string;
  /** Block of the SessionAccepted event. */
  blockNumber: bigint;
  session: SessionRecord;
}

/**
 * Waits until the provider accepts a session and returns the tunnel address it assigned.
 * @param client a DvpnClient.
 * @param params the session id and how long to wait.
 * @returns the tunnel address and the session's record.
 * @throws {SessionNotAcceptedError} when the session was cancelled, its accept deadline passed, or the timeout elapsed.
 * @example const { tunnelAddress } = await waitForSessionAccepted(client, { sessionId })
 */
export async function waitForSessionAccepted(
  client: DvpnContext,
  params: WaitForSessionAcceptedParameters,
): Promise<WaitForSessionAcceptedReturnType> {
  const sessionId = checkSessionId(params.sessionId);
  const started = Date.now();
  const interval = params.pollIntervalMs ?? 1000;
  for (;;) {
    if (params.signal?.aborted) throw new SessionNotAcceptedError({ sessionId, reason: "aborted" });
    const session = await getSession(client, { sessionId });
    params.onPoll?.({ elapsedMs: Date.now() - started, session });
    if (session.status === "None") throw new SessionNotAcceptedError({ sessionId, reason: "no such session" });
    if (session.status !== "Pending") {
      const logs = await client.publicClient
        .getContractEvents({
          address: addresses(client).escrow,
          abi: sessionEscrowAbi,
          eventName: "SessionAccepted",
          args: { sessionId },
          fromBlock: params.fromBlock ?? BigInt(client.deployment.startBlock),
          toBlock: "latest",
        })
        .catch((e: unknown) => {
          throw toDvpnError(e, "getLogs SessionAccepted");
        });
      const accepted = logs[0];
      if (!accepted) {
        throw new SessionNotAcceptedError({ sessionId, reason: `it is ${session.status} without an acceptance` });
      }
      return { tunnelAddress: accepted.args.tunnelAddress ?? "", blockNumber: accepted.blockNumber, session };
    }
    const block = await client.publicClient.getBlock().catch((e: unknown) => {
      throw toDvpnError(e, "getBlock");
    });
    if (Number(block.timestamp) > session.deadline) {
      throw new SessionNotAcceptedError({
        sessionId,
        reason: `the accept deadline passed (${new Date(session.deadline * 1000).toISOString()}); cancel it to get the deposit back`,
      });
    }
    if (params.timeoutMs !== undefined && Date.now() - started >= params.timeoutMs) {
      throw new SessionNotAcceptedError({ sessionId, reason: `no acceptance within ${params.timeoutMs} ms` });
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
