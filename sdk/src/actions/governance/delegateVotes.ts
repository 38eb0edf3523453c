import type { Address } from "viem";
import { dvpnTokenAbi } from "../../abi/index.ts";
import type { DvpnContext, WriteResult } from "../../client/types.ts";
import { addresses } from "../../internal/contracts.ts";
import { checkAddress } from "../../internal/validate.ts";
import { requireWallet, writeAndWait } from "../../internal/write.ts";

/**
 * Delegates the account's DVPN voting power (to itself by default: tokens vote only once delegated).
 * @param client a DvpnClient with an account.
 * @param params who receives the votes (default: the account itself).
 * @returns the transaction and its receipt.
 * @example await delegateVotes(client) // self-delegate
 */
export async function delegateVotes(client: DvpnContext, params: { delegatee?: Address } = {}): Promise<WriteResult> {
  const { account } = requireWallet(client, "delegateVotes");
  const delegatee = checkAddress(params.delegatee ?? account.address, "delegatee");
  return writeAndWait(client, {
    address: addresses(client).token,
    abi: dvpnTokenAbi,
    functionName: "delegate",
    args: [delegatee],
  });
}
