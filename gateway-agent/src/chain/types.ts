/** What the agent needs from the chain, so the rest of the agent never imports viem or the SDK. */
import type { Address, Hex } from "viem";

/** Session status numbers of `ISessionEscrow.SessionStatus`. */
export const CHAIN_STATUS = ["None", "Pending", "Active", "Closing", "Closed"] as const;
export type ChainStatus = (typeof CHAIN_STATUS)[number];

/** `SessionEscrow.getSession` as the agent uses it. */
export interface ChainSession {
  client: Address;
  provider: Address;
  signer: Address;
  status: ChainStatus;
  deadline: number;
  feeBps: number;
  deposit: bigint;
  pricePerGiB: bigint;
  pricePerMinute: bigint;
  claimedBytes: bigint;
  claimedSeconds: bigint;
}

interface EventBase {
  sessionId: bigint;
  provider: Address;
  blockNumber: bigint;
  logIndex: number;
}

/** The escrow events the agent follows (all carry the indexed provider). */
export type EscrowEvent =
  | (EventBase & {
      type: "SessionOpened";
      client: Address;
      wgPublicKey: Hex;
      signer: Address;
      deposit: bigint;
      pricePerGiB: bigint;
      pricePerMinute: bigint;
      feeBps: number;
      acceptDeadline: number;
    })
  | (EventBase & { type: "SessionAccepted"; tunnelAddress: string })
  | (EventBase & { type: "SessionCancelled" })
  | (EventBase & { type: "SessionClosed"; closedBy: Address; settlementDeadline: number })
  | (EventBase & { type: "SessionSettled" })
  | (EventBase & { type: "UsageClaimed"; totalBytes: bigint; totalSeconds: bigint });

/** The provider's registry record as the agent uses it. */
export interface ChainProvider {
  registered: boolean;
  paused: boolean;
  maxSessions: number;
  wgPublicKey: Hex;
}

/** Chain access of one provider agent. Writes wait for their receipt and throw {@link ChainRevertError}. */
export interface AgentChain {
  provider: Address;
  chainId: number;
  escrow: Address;
  blockNumber(): Promise<bigint>;
  /** Hash of block `n` on the node's current chain; undefined when the node has no such block (yet). */
  blockHash(n: bigint): Promise<Hex | undefined>;
  /** This provider's escrow events in [from, to], in chain order. */
  escrowEvents(from: bigint, to: bigint): Promise<EscrowEvent[]>;
  getSession(id: bigint): Promise<ChainSession>;
  getProvider(): Promise<ChainProvider>;
  /** The exit policy this provider published in the registry ("" when none). */
  exitPolicy?(): Promise<string>;
  heartbeatTimeout(): Promise<number>;
  /**
   * Whether contract `signer` accepts `signature` for `hash` (ERC-1271 `isValidSignature`), as the
   * escrow's SignatureChecker asks after an ECDSA mismatch. False on any error or for an EOA.
   */
  isValidErc1271Signature(signer: Address, hash: Hex, signature: Hex): Promise<boolean>;
  acceptSession(id: bigint, tunnelAddress: string): Promise<void>;
  /** Refuses a pending session on chain (`reason` at most 32 bytes); the client gets the whole deposit back. */
  rejectSession(id: bigint, reason: string): Promise<void>;
  claim(id: bigint, bytes: bigint, seconds: bigint, signature: Hex): Promise<void>;
  closeWithVoucher(id: bigint, bytes: bigint, seconds: bigint, signature: Hex): Promise<void>;
  closeSession(id: bigint): Promise<void>;
  heartbeat(): Promise<void>;
  pause(): Promise<void>;
  unpause(): Promise<void>;
}

/** A write reverted; `errorName` is the contract's custom error when it could be decoded. */
export class ChainRevertError extends Error {
  override name = "ChainRevertError";
  errorName: string | undefined;
  constructor(message: string, errorName: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.errorName = errorName;
  }
}
