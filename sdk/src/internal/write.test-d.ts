/**
 * Type tests of {@link writeAndWait}, {@link read} and {@link findEvent} (checked by `tsc`, never
 * run): a wrong function name, a wrong argument or a wrong event name is a compile error, and
 * results and event args come typed from the ABI.
 */
import type { Address, Hex, Log } from "viem";
import { providerRegistryAbi, sessionEscrowAbi } from "../abi/index.ts";
import type { DvpnContext } from "../client/types.ts";
import { findEvent, read, writeAndWait } from "./write.ts";

declare const client: DvpnContext;
declare const address: Address;
declare const hash: Hex;
declare const logs: Log[];

export async function typeTests(): Promise<void> {
  await writeAndWait(client, { address, abi: providerRegistryAbi, functionName: "heartbeat", args: [] });
  await writeAndWait(client, {
    address,
    abi: sessionEscrowAbi,
    functionName: "claim",
    args: [1n, 10n, 5n, "0x"],
  });

  // @ts-expect-error not a function of the registry
  await writeAndWait(client, { address, abi: providerRegistryAbi, functionName: "heartBeat", args: [] });
  // @ts-expect-error a view function is not a transaction
  await writeAndWait(client, { address, abi: providerRegistryAbi, functionName: "getProvider", args: [address] });
  await writeAndWait(client, {
    address,
    abi: sessionEscrowAbi,
    functionName: "claim",
    // @ts-expect-error the session id is a uint256 (bigint), not a string
    args: ["1", 10n, 5n, "0x"],
  });
  await writeAndWait(client, {
    address,
    abi: sessionEscrowAbi,
    functionName: "claim",
    // @ts-expect-error an argument is missing
    args: [1n, 10n, 5n],
  });

  const opened = findEvent({ abi: sessionEscrowAbi, logs, eventName: "SessionOpened", address, hash, action: "t" });
  const id: bigint = opened.sessionId;
  // @ts-expect-error SessionOpened has no such field
  void opened.notAField;
  // @ts-expect-error not an event of the escrow
  findEvent({ abi: sessionEscrowAbi, logs, eventName: "SessionOpenedd", address, hash, action: "t" });
  void id;

  const minStake: bigint = await read(client.publicClient, {
    address,
    abi: providerRegistryAbi,
    functionName: "minStake",
  });
  // @ts-expect-error minStake is a uint256: a bigint, not a number
  const wrong: number = await read(client.publicClient, {
    address,
    abi: providerRegistryAbi,
    functionName: "minStake",
  });
  // @ts-expect-error heartbeat changes state: not readable
  await read(client.publicClient, { address, abi: providerRegistryAbi, functionName: "heartbeat" });
  // @ts-expect-error getProvider takes an address
  await read(client.publicClient, { address, abi: providerRegistryAbi, functionName: "getProvider", args: [1n] });
  void minStake;
  void wrong;
}
