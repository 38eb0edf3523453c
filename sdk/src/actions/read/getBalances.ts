import type { Address } from "viem";
import { dvpnTokenAbi } from "../../abi/index.ts";
import type { DvpnContext } from "../../client/types.ts";
import { toDvpnError } from "../../errors/contract.ts";
import { AccountRequiredError } from "../../errors/input.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkAddress } from "../../internal/validate.ts";
import { read } from "../../internal/write.ts";

/** An account's balances in the protocol's tokens. */
export interface Balances {
  address: Address;
  /** Native coin (gas), in wei. */
  native: bigint;
  /** Protocol token (DVPN), in wei. */
  token: bigint;
  /** Payment token, in its smallest unit. */
  paymentToken: bigint;
  /** Current voting power (delegated DVPN). */
  votes: bigint;
  /** Who the account delegates its votes to (zero address when nobody). */
  delegate: Address;
}

/**
 * Reads an account's native, DVPN and payment-token balances and its voting power.
 * @param client a DvpnClient.
 * @param params the account (defaults to the client's).
 * @returns the balances.
 * @example const { paymentToken } = await getBalances(client)
 */
export async function getBalances(client: DvpnContext, params: { address?: Address } = {}): Promise<Balances> {
  const owner = params.address ?? client.account?.address;
  if (!owner) throw new AccountRequiredError("getBalances without an address");
  const address = checkAddress(owner, "address");
  const a = addresses(client);
  const pc = client.publicClient;
  const [native, token, paymentToken, votes, delegate] = await Promise.all([
    pc.getBalance({ address }).catch((e: unknown) => {
      throw toDvpnError(e, "getBalance");
    }),
    read(pc, { address: a.token, abi: dvpnTokenAbi, functionName: "balanceOf", args: [address] }),
    read(pc, { address: a.paymentToken, abi: dvpnTokenAbi, functionName: "balanceOf", args: [address] }),
    read(pc, { address: a.token, abi: dvpnTokenAbi, functionName: "getVotes", args: [address] }),
    read(pc, { address: a.token, abi: dvpnTokenAbi, functionName: "delegates", args: [address] }),
  ]);
  return { address, native, token, paymentToken, votes, delegate };
}
