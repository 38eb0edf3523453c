/**
 * Two hops whose exit is paid from a second account (`--exit-key-file`): its client, and what
 * `dvpn disconnect` does with the exit's session when that account's key is (not) given.
 */
import { http, type Address } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { createDvpnClient, type DvpnClient } from "../client/createDvpnClient.ts";
import type { ConnectionState } from "./connectionState.ts";
import { readKeyFile, type CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";

/**
 * The account of `--exit-key-file`.
 * @param file the key file.
 * @returns the account.
 */
export const exitKeyAccount = (file: string): PrivateKeyAccount =>
  privateKeyToAccount(readKeyFile(file, "--exit-key-file"));

/**
 * A client like the wallet's (chain, deployment, feed) signing with a second account.
 * @param ctx the CLI context (its RPC).
 * @param client the wallet's client.
 * @param account the second account.
 * @returns the client.
 */
export function secondAccountClient(ctx: CliContext, client: DvpnClient, account: PrivateKeyAccount): DvpnClient {
  return createDvpnClient({
    chain: client.chain,
    transport: http(ctx.globals.rpc, { retryCount: 1 }),
    deployment: client.deployment,
    account,
    pollingInterval: client.chain.id === 31337 ? 200 : 2_000,
    ...(client.indexerUrl ? { indexerUrl: client.indexerUrl } : {}),
  });
}

/**
 * Who closes the recorded session (the exit's, in two hops) on `dvpn disconnect`.
 * @param state the connection state.
 * @param exitKey the `--exit-key-file` account's address, when given.
 * @returns `wallet`, `exit-key`, or `skip` with the line telling the user what to run and what
 *   happens to the money otherwise.
 * @throws {UsageError} when `--exit-key-file` is not the account that pays the exit (nothing changed).
 */
export function exitCloser(
  state: Pick<ConnectionState, "sessionId" | "exitPayer">,
  exitKey: Address | undefined,
): { by: "wallet" | "exit-key" } | { by: "skip"; line: string } {
  if (!state.exitPayer) {
    if (exitKey) throw new UsageError("--exit-key-file: this connection's sessions are all paid by the wallet");
    return { by: "wallet" };
  }
  if (exitKey) {
    if (exitKey.toLowerCase() !== state.exitPayer.toLowerCase()) {
      throw new UsageError(
        `--exit-key-file holds ${exitKey}, but exit session ${state.sessionId} is paid by ${state.exitPayer}: nothing was changed`,
      );
    }
    return { by: "exit-key" };
  }
  const id = state.sessionId;
  return {
    by: "skip",
    line:
      `exit session ${id} is paid by ${state.exitPayer} (--exit-key-file), not this wallet: not closed here. ` +
      `\`dvpn session close ${id} --key-file <exit key>\` (or \`dvpn disconnect --exit-key-file <exit key>\`) closes it: ` +
      `the provider may claim its best voucher until the settlement deadline, then \`dvpn session finalize ${id}\` refunds the rest to that account. ` +
      `Until then its deposit stays in escrow (its provider may also close it with its best voucher, the rest returned to that account)`,
  };
}
