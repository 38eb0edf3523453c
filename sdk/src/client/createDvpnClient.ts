import {
  createPublicClient,
  createWalletClient,
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import type { Deployment } from "../deployment/types.ts";
import { InvalidDeploymentError } from "../errors/deployment.ts";
import { InvalidInputError } from "../errors/input.ts";
import { checkAddress } from "../internal/validate.ts";
import { DEFAULT_FEED_TIMEOUT_MS, MAX_FEED_TIMEOUT_MS } from "../feed/timeout.ts";
import { dvpnActions, type DvpnActions } from "./decorators.ts";
import type { DvpnContext } from "./types.ts";

/** Parameters of {@link createDvpnClient}. */
export interface CreateDvpnClientParameters {
  /** The chain the protocol is deployed on (a viem `Chain`). */
  chain: Chain;
  /** How to reach the chain: `http(url)`, `custom(eip1193Provider)`, or {@link ethersTransport}. */
  transport?: Transport;
  /**
   * Who signs: a viem account (`privateKeyToAccount`), an address the transport can sign for
   * (JSON-RPC account, e.g. from {@link ethersAccount}). Omit for a read-only client.
   */
  account?: Account | Address;
  /** Use these viem clients instead of creating them from `transport` (e.g. wagmi's or Hardhat's). */
  publicClient?: PublicClient<Transport, Chain>;
  /** With `publicClient`: the wallet client that signs and sends. */
  walletClient?: WalletClient<Transport, Chain, Account>;
  /** Contract addresses: a record from {@link loadDeployment} or {@link parseDeployment}. */
  deployment: Deployment;
  /** GraphQL endpoint of the indexer feed (needed for the feed queries only). */
  indexerUrl?: string;
  /** `fetch` for the feed client (default: the global `fetch`). */
  fetch?: typeof fetch;
  /**
   * Milliseconds a feed request may take, from sending it to the end of the answer (for a
   * subscription: until the event stream starts). Past it the request is aborted and fails with a
   * `FeedError` naming the URL and the timeout. Default 10 000.
   */
  feedTimeoutMs?: number;
  /** Milliseconds between receipt and block polls (viem's default otherwise). */
  pollingInterval?: number;
  /**
   * For one account used by concurrent writers (a daemon accepting many sessions at once): each
   * write is simulated and broadcast only after the previous broadcast returned, so every
   * transaction takes the next nonce from the node's pending count with no gap, while the writes
   * wait for their receipts concurrently. A send that fails leaves no hole for the next one.
   * Default `false`: concurrent writes race for the same nonce (fine for one-at-a-time users).
   */
  serializeSends?: boolean;
}

/** A dvpn client: the {@link DvpnContext} with every SDK action bound to it. */
export type DvpnClient = DvpnContext & DvpnActions;

/**
 * Creates a dvpn client: viem clients for one chain, the protocol's addresses, and every
 * action (providers, sessions, vouchers, governance, reads, feed) bound to them.
 * @param params chain, transport, account, deployment and indexer URL.
 * @returns the client.
 * @throws {InvalidDeploymentError} when the deployment is for another chain.
 * @example
 * import { http } from "viem"
 * import { privateKeyToAccount } from "viem/accounts"
 * import { createDvpnClient, loadDeployment } from "./sdk/src/node.ts"
 * const client = createDvpnClient({
 *   chain: hardhat, transport: http("http://127.0.0.1:8545"),
 *   account: privateKeyToAccount(process.env.DVPN_PRIVATE_KEY as Hex),
 *   deployment: loadDeployment({ chainId: 31337 }), indexerUrl: "http://127.0.0.1:42069/graphql",
 * })
 * const provider = await client.getProvider({ provider: "0x…" })
 */
export function createDvpnClient(params: CreateDvpnClientParameters): DvpnClient {
  const { chain, deployment } = params;
  if (!deployment || deployment.chainId !== chain.id) {
    throw new InvalidDeploymentError(
      `the deployment is for chain ${deployment?.chainId}, the client for chain ${chain.id}`,
    );
  }
  const feedTimeoutMs = params.feedTimeoutMs ?? DEFAULT_FEED_TIMEOUT_MS;
  if (!Number.isInteger(feedTimeoutMs) || feedTimeoutMs < 1 || feedTimeoutMs > MAX_FEED_TIMEOUT_MS) {
    throw new InvalidInputError({
      field: "feedTimeoutMs",
      value: params.feedTimeoutMs,
      reason: `must be a whole number of milliseconds from 1 to ${MAX_FEED_TIMEOUT_MS}`,
    });
  }
  let publicClient: PublicClient<Transport, Chain>;
  let walletClient: WalletClient<Transport, Chain, Account> | undefined;
  if (params.publicClient) {
    publicClient = params.publicClient;
    walletClient = params.walletClient;
  } else {
    if (!params.transport) {
      throw new InvalidInputError({
        field: "transport",
        value: undefined,
        reason: "give a transport or a publicClient",
      });
    }
    const opts = params.pollingInterval !== undefined ? { pollingInterval: params.pollingInterval } : {};
    publicClient = createPublicClient({ chain, transport: params.transport, ...opts }) as PublicClient<
      Transport,
      Chain
    >;
    if (params.account !== undefined) {
      const account = typeof params.account === "string" ? checkAddress(params.account, "account") : params.account;
      walletClient = createWalletClient({ chain, transport: params.transport, account, ...opts });
    }
  }
  const context: DvpnContext = {
    chain,
    publicClient,
    walletClient,
    account: walletClient?.account,
    deployment,
    indexerUrl: params.indexerUrl,
    fetch: params.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args)),
    feedTimeoutMs,
    ...(params.serializeSends ? { sendQueue: createSendQueue() } : {}),
  };
  return { ...context, ...dvpnActions(context) };
}

/** Runs the functions it is given one after another, in call order; a failure does not stop the queue. */
function createSendQueue(): <T>(send: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(send: () => Promise<T>): Promise<T> => {
    const run = tail.then(send, send);
    tail = run.catch(() => undefined);
    return run;
  };
}
