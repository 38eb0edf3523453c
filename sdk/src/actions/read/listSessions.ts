import type { Address } from "viem";
import { sessionEscrowAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { toDvpnError } from "../../errors/contract.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkAddress } from "../../internal/validate.ts";
import { getSession, type SessionRecord } from "./getSession.ts";

/** Parameters of {@link listSessions}: at least one of `client` and `provider` narrows the search. */
export interface ListSessionsParameters {
  /** Sessions opened by this client. */
  client?: Address;
  /** Sessions with this provider. */
  provider?: Address;
}

/**
 * Lists sessions straight from the chain (SessionOpened logs since the deployment, filtered on
 * their indexed client/provider, then each current record), newest first. The feed's
 * {@link findSessions} is the scalable way with more filters.
 * @param client a DvpnClient.
 * @param params the client and/or provider to match.
 * @returns the sessions' current records.
 * @example const mine = await listSessions(client, { client: client.account!.address })
 */
export async function listSessions(client: DvpnContext, params: ListSessionsParameters): Promise<SessionRecord[]> {
  const args = {
    ...(params.client !== undefined ? { client: checkAddress(params.client, "client") } : {}),
    ...(params.provider !== undefined ? { provider: checkAddress(params.provider, "provider") } : {}),
  };
  let logs;
  try {
    logs = await client.publicClient.getContractEvents({
      address: addresses(client).escrow,
      abi: sessionEscrowAbi,
      eventName: "SessionOpened",
      args,
      fromBlock: BigInt(client.deployment.startBlock),
      toBlock: "latest",
    });
  } catch (err) {
    throw toDvpnError(err, "getLogs SessionOpened");
  }
  const ids = [...new Set(logs.map((l) => l.args.sessionId).filter((id): id is bigint => id !== undefined))];
  ids.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const out: SessionRecord[] = [];
  for (const sessionId of ids) out.push(await getSession(client, { sessionId }));
  return out;
}
