import {
  parseEventLogs,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractEventName,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hex,
  type Log,
  type ParseEventLogsReturnType,
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

/** Mutabilities of the functions a transaction can call. */
type WriteMutability = "nonpayable" | "payable";

/**
 * A state-changing call of a function of `abi`: the compiler checks the function's name and its
 * arguments against the ABI.
 */
export interface WriteCall<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, WriteMutability> = ContractFunctionName<abi, WriteMutability>,
> {
  address: Address;
  abi: abi;
  functionName: functionName;
  args: ContractFunctionArgs<abi, WriteMutability, functionName>;
}

/**
 * Simulates a contract call (so a revert is decoded before anything is sent), sends it,
 * waits for the receipt and checks it succeeded. Every error comes out as a DvpnError. With a
 * context `sendQueue`, simulate-and-send waits its turn; the receipt wait does not.
 */
export async function writeAndWait<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, WriteMutability>,
>(client: DvpnContext, call: WriteCall<abi, functionName>): Promise<WriteResult> {
  const { walletClient, account } = requireWallet(client, call.functionName);
  const abi = [...call.abi, ...errorsAbi] as Abi;
  const send = async (): Promise<Hex> => {
    const { request } = await client.publicClient.simulateContract({
      address: call.address,
      abi,
      functionName: call.functionName as string,
      args: call.args as readonly unknown[],
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

/** Mutabilities of the functions a read can call. */
type ReadMutability = "pure" | "view";

/**
 * Reads a view function, wrapping errors (reverts decoded against every protocol error). The
 * compiler checks the function's name and arguments against the ABI and types the result from it.
 */
export async function read<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, ReadMutability>,
  const args extends ContractFunctionArgs<abi, ReadMutability, functionName>,
>(
  publicClient: PublicClient<Transport, Chain>,
  call: { address: Address; abi: abi; functionName: functionName; args?: args },
): Promise<ContractFunctionReturnType<abi, ReadMutability, functionName, args>> {
  try {
    return (await publicClient.readContract({
      address: call.address,
      abi: [...call.abi, ...errorsAbi] as Abi,
      functionName: call.functionName as string,
      args: (call.args ?? []) as readonly unknown[],
    })) as ContractFunctionReturnType<abi, ReadMutability, functionName, args>;
  } catch (err) {
    throw toDvpnError(err, call.functionName);
  }
}

/** The decoded args of event `eventName` of `abi`, typed from the ABI. */
export type EventArgs<abi extends Abi, eventName extends ContractEventName<abi>> = ParseEventLogsReturnType<
  abi,
  eventName,
  true
>[number]["args"];

/** The decoded args of the first `eventName` log emitted by `address` in `logs`, or an error. */
export function findEvent<const abi extends Abi, eventName extends ContractEventName<abi>>(params: {
  abi: abi;
  logs: Log[];
  eventName: eventName;
  address: Address;
  hash: Hex;
  action: string;
}): EventArgs<abi, eventName> {
  const events = parseEventLogs({ abi: params.abi, logs: params.logs, eventName: params.eventName, strict: true });
  const match = events.find((e) => e.address.toLowerCase() === params.address.toLowerCase());
  if (!match) {
    throw new TransactionFailedError({
      action: params.action,
      hash: params.hash,
      reason: `no ${params.eventName} event in the receipt`,
    });
  }
  return match.args;
}
