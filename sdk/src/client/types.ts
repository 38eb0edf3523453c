import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import type { Deployment } from "../deployment/types.ts";

/**
 * What every SDK action needs: viem clients bound to one chain, the signing account (for
 * writes), the protocol's deployment record and, for feed queries, the indexer URL.
 * A {@link DvpnClient} is one of these with the actions bound to it.
 */
export interface DvpnContext {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** Present when the client has an account. */
  walletClient: WalletClient<Transport, Chain, Account> | undefined;
  account: Account | undefined;
  deployment: Deployment;
  /** GraphQL endpoint of the indexer feed, e.g. `http://127.0.0.1:42069/graphql`. */
  indexerUrl: string | undefined;
  /** `fetch` used by the feed client (defaults to the global one). */
  fetch: typeof fetch;
  /** Milliseconds a feed request may take before it fails with a `FeedError` (unset: 10 000). */
  feedTimeoutMs?: number;
  /**
   * When set, every write's simulate-and-send runs through it, one after another, while
   * receipts are awaited concurrently (see `serializeSends` on `createDvpnClient`).
   */
  sendQueue?: <T>(send: () => Promise<T>) => Promise<T>;
}

/** The result of every write action: the transaction hash and its mined receipt. */
export interface WriteResult {
  hash: `0x${string}`;
  receipt: import("viem").TransactionReceipt;
}
