/**
 * {@link AgentChain} on the SDK: its actions for every write (acceptSession, claimUsage,
 * closeWithVoucher, closeSession, heartbeat, pause) and the session/provider reads, which
 * simulate first and decode reverts into named contract errors; its provider event reader (the
 * adaptive log fetcher, filtered by the indexed provider) for the event stream; its ERC-1271
 * check for contract signers. Writes may be called concurrently: the SDK client broadcasts them
 * one after another (`serializeSends`, each takes the node's next pending nonce) and their
 * receipts are awaited together.
 */
import { createPublicClient, createWalletClient, defineChain, getAddress, http, type LocalAccount } from "viem";
import { createDvpnClient } from "../../../sdk/src/client/createDvpnClient.ts";
import type { Deployment } from "../../../sdk/src/deployment/types.ts";
import { DvpnError } from "../../../sdk/src/errors/base.ts";
import { ContractRevertError } from "../../../sdk/src/errors/contract.ts";
import {
  createProviderEventReader,
  type ProviderSessionEvent,
} from "../../../sdk/src/events/createProviderEventReader.ts";
import { isValidErc1271Signature } from "../../../sdk/src/vouchers/isValidErc1271Signature.ts";
import { ChainRevertError, type AgentChain, type EscrowEvent } from "./types.ts";

/** Parameters of {@link createSdkChain}. */
export interface SdkChainParams {
  rpcUrl: string;
  /** The protocol's deployment record (the agent uses its chain id, registry and escrow). */
  deployment: Deployment;
  account: LocalAccount;
  /** How often to poll for receipts (ms). */
  pollingIntervalMs?: number;
  /** Largest eth_getLogs range; smaller when an answer is too large. */
  maxLogRange?: bigint;
}

function toChainError(err: unknown, action: string): ChainRevertError {
  const name = err instanceof ContractRevertError ? err.errorName : undefined;
  const short = err instanceof DvpnError ? err.shortMessage : ((err as Error)?.message ?? String(err));
  return new ChainRevertError(`${action}: ${short}`, name, { cause: err });
}

/** The agent's view of a typed provider event. */
function toEscrowEvent(e: ProviderSessionEvent): EscrowEvent {
  const base = {
    sessionId: e.args.sessionId,
    provider: getAddress(e.args.provider),
    blockNumber: e.blockNumber,
    logIndex: e.logIndex,
  };
  switch (e.eventName) {
    case "SessionOpened": {
      const a = e.args;
      return {
        ...base,
        type: "SessionOpened",
        client: getAddress(a.client),
        wgPublicKey: a.wgPublicKey,
        signer: getAddress(a.signer),
        deposit: a.deposit,
        pricePerGiB: a.pricePerGiB,
        pricePerMinute: a.pricePerMinute,
        feeBps: a.feeBps,
        acceptDeadline: a.acceptDeadline,
      };
    }
    case "SessionAccepted":
      return { ...base, type: "SessionAccepted", tunnelAddress: e.args.tunnelAddress };
    case "SessionCancelled":
      return { ...base, type: "SessionCancelled" };
    case "SessionClosed":
      return {
        ...base,
        type: "SessionClosed",
        closedBy: getAddress(e.args.closedBy),
        settlementDeadline: e.args.settlementDeadline,
      };
    case "SessionSettled":
      return { ...base, type: "SessionSettled" };
    case "UsageClaimed":
      return { ...base, type: "UsageClaimed", totalBytes: e.args.totalBytes, totalSeconds: e.args.totalSeconds };
  }
}

/** Creates the chain access of one provider account. */
export function createSdkChain(params: SdkChainParams): AgentChain {
  const { deployment } = params;
  const chain = defineChain({
    id: deployment.chainId,
    name: `chain-${deployment.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [params.rpcUrl] } },
  });
  const pollingInterval = params.pollingIntervalMs ?? 250;
  const transport = http(params.rpcUrl, { retryCount: 2, timeout: 20_000 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval });
  const wallet = createWalletClient({ chain, transport, account: params.account, pollingInterval });
  const provider = getAddress(params.account.address);
  const escrow = getAddress(deployment.contracts.SessionEscrow.address);
  const sdk = createDvpnClient({ chain, publicClient, walletClient: wallet, deployment, serializeSends: true });
  // Errors other than size are thrown at once (the transport retried them): the sync retries next poll.
  const events = createProviderEventReader({
    rpc: publicClient,
    escrow,
    provider,
    maxBlockRange: Number(params.maxLogRange ?? 2000n),
    maxRetries: 0,
  });

  /** Runs one SDK write, its errors mapped to chain errors. */
  async function write(action: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      throw toChainError(err, action);
    }
  }

  return {
    provider,
    chainId: deployment.chainId,
    escrow,
    blockNumber: () => publicClient.getBlockNumber({ cacheTime: 0 }),
    async blockHash(n) {
      const b = await publicClient.request({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] });
      return b?.hash ?? undefined;
    },
    async escrowEvents(from, to) {
      return (await events.read(from, to)).map(toEscrowEvent);
    },
    async getSession(id) {
      const s = await sdk.getSession({ sessionId: id });
      return {
        client: s.client,
        provider: s.provider,
        signer: s.signer,
        status: s.status,
        deadline: s.deadline,
        feeBps: s.feeBps,
        deposit: s.deposit,
        pricePerGiB: s.pricePerGiB,
        pricePerMinute: s.pricePerMinute,
        claimedBytes: s.claimedBytes,
        claimedSeconds: s.claimedSeconds,
      };
    },
    async getProvider() {
      const p = await sdk.getProvider({ provider });
      return { registered: p.registered, paused: p.paused, maxSessions: p.maxSessions, wgPublicKey: p.wgPublicKey };
    },
    async exitPolicy() {
      return sdk.getExitPolicy({ provider });
    },
    heartbeatTimeout: () => sdk.getHeartbeatTimeout(),
    isValidErc1271Signature: (signer, hash, signature) =>
      isValidErc1271Signature(publicClient, { signer, hash, signature, caller: escrow }),
    acceptSession: (sessionId, tunnelAddress) =>
      write("acceptSession", () => sdk.acceptSession({ sessionId, tunnelAddress })),
    rejectSession: (sessionId, reason) => write("rejectSession", () => sdk.rejectSession({ sessionId, reason })),
    claim: (sessionId, bytes, seconds, signature) =>
      write("claim", () => sdk.claimUsage({ sessionId, bytes, seconds, signature })),
    closeWithVoucher: (sessionId, bytes, seconds, signature) =>
      write("closeWithVoucher", () => sdk.closeWithVoucher({ sessionId, bytes, seconds, signature })),
    closeSession: (sessionId) => write("closeSession", () => sdk.closeSession({ sessionId })),
    heartbeat: () => write("heartbeat", () => sdk.sendHeartbeat()),
    pause: () => write("pause", () => sdk.pauseProvider()),
    unpause: () => write("unpause", () => sdk.unpauseProvider()),
  };
}
