import {
  parseEventLogs,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type Log,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { DvpnContext, WriteResult } from "../client/types.ts";
import { AccountRequiredError } from "../errors/input.ts";
import { TransactionFailedError, toDvpnError } from "../errors/contract.ts";
import { errorsAbi } from "./contracts.ts";

/** The wallet client and account of a context, or an {@link AccountRequiredError}. */
export function requireWallet(
  client: DvpnContext,
  action: string,
): { walletClient: WalletClient<Transport, Chain, Account>; account: Account } {
  if (!client.walletClient || !client.account) throw new AccountRequiredError(action);
  return { walletClient: client.walletClient, account: client.account };
}

/**
 * Simulates a contract call (so a revert is decoded before anything is sent), sends it,
 * waits for the receipt and checks it succeeded. Every error comes out as a DvpnError. With a
 * context `sendQueue`, simulate-and-send waits its turn; the receipt wait does not.
 */
export async function writeAndWait(
  client: DvpnContext,
  call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] },
): Promise<WriteResult> {
  const { walletClient, account } = requireWallet(client, call.functionName);
  const abi = [...call.abi, ...errorsAbi] as Abi;
  const send = async (): Promise<Hex> => {
    const { request } = await client.publicClient.simulateContract({
      address: call.address,
      abi,
      functionName: call.functionName,
      args: call.args,
      account,
    });
    return walletClient.writeContract(request as Parameters<typeof walletClient.writeContract>[0]);
  };
  let hash: Hex;
  try {
    hash = await (client.sendQueue ? client.sendQueue(send) : send());
  } catch (err) {
    throw toDvpnError(err, call.functionName);
  }
  let receipt;
  try {
    receipt = await client.publicClient.waitForTransactionReceipt({ hash });
  } catch (err) {
    throw toDvpnError(err, call.functionName);
  }
  if (receipt.status !== "success") {
    throw new TransactionFailedError({ action: call.functionName, hash, reason: "the transaction reverted" });
  }
  return { hash, receipt };
}

/** Reads a view function, wrapping errors (reverts decoded against every protocol error). */
export async function read<T>(
  publicClient: PublicClient<Transport, Chain>,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] },
): Promise<T> {
  try {
    return (await publicClient.readContract({
      address: call.address,
      abi: [...call.abi, ...errorsAbi] as Abi,
      functionName: call.functionName,
      args: call.args ?? [],
    })) as T;
  } catch (err) {
    throw toDvpnError(err, call.functionName);
  }
}

/** The decoded args of the first `eventName` log emitted by `address` in `logs`, or an error. */
export function findEvent<T>(params: {
  abi: Abi;
  logs: Log[];
  eventName: string;
  address: Address;
  hash: Hex;
  action: string;
}): T {
  const events = parseEventLogs({ abi: params.abi, logs: params.logs, eventName: params.eventName });
  const match = events.find((e) => e.address.toLowerCase() === params.address.toLowerCase());
  if (!match) {
    throw new TransactionFailedError({
      action: params.action,
      hash: params.hash,
      reason: `no ${params.eventName} event in the receipt`,
    });
  }
  return (match as unknown as { args: T }).args;
}
