/**
 * An in-memory {@link AgentChain} for unit tests: a tiny escrow with blocks, events and the
 * contract's status rules, plus helpers to open and close sessions as a client would, and
 * snapshots to reorganise the chain (revert to a snapshot, then mine another branch: every
 * block above the snapshot gets a new hash).
 */
import { getAddress, type Address, type Hex } from "viem";
import { ChainRevertError, type AgentChain, type ChainSession, type EscrowEvent } from "../chain/types.ts";

/** The mock with its test handles. */
export interface MockChain extends AgentChain {
  sessions: Map<bigint, ChainSession & { wgPublicKey: Hex }>;
  events: EscrowEvent[];
  calls: { fn: string; args: unknown[] }[];
  /** Emits SessionOpened (for `provider`, default this agent's) and returns the id. */
  open(p: {
    wgPublicKey: Hex;
    signer: Address;
    deposit?: bigint;
    provider?: Address;
    pricePerGiB?: bigint;
    pricePerMinute?: bigint;
    acceptDeadline?: number;
  }): bigint;
  clientClose(id: bigint, settlementDeadline: number): void;
  mine(): void;
  head: bigint;
  /** Contract signers' ERC-1271 answers: `${signer}:${hash}:${signature}` (lower case) → valid. */
  erc1271: Set<string>;
  /** Sessions whose vouchers the mock escrow refuses (EscrowInvalidSignature). */
  refuseVouchers: Set<bigint>;
  /** The whole chain state now (blocks, hashes, sessions, events, next id). */
  snapshot(): MockSnapshot;
  /** Back to `snap`: the blocks above it are gone; the blocks mined next form another branch. */
  revert(snap: MockSnapshot): void;
  /** While true, acceptSession reverts with RegistryAtCapacity (the provider is full). */
  full: boolean;
  /** Client of the next opened session (default 0x…c1). */
  nextClient: Address;
}

/** A saved chain state of the mock. */
export interface MockSnapshot {
  head: bigint;
  nextId: bigint;
  sessions: [bigint, ChainSession & { wgPublicKey: Hex }][];
  events: EscrowEvent[];
  hashes: [bigint, Hex][];
}

/** Creates a mock chain for provider `provider`. */
export function createMockChain(provider: Address, now: () => number): MockChain {
  let head = 1n;
  let nextId = 1n;
  let branch = 0;
  const hashes = new Map<bigint, Hex>();
  const hashOf = (n: bigint): Hex =>
    `0x${branch.toString(16).padStart(8, "0")}${n.toString(16).padStart(56, "0")}` as Hex;
  const mineOne = () => {
    head++;
    hashes.set(head, hashOf(head));
  };
  hashes.set(0n, hashOf(0n));
  hashes.set(1n, hashOf(1n));
  const sessions: MockChain["sessions"] = new Map();
  const events: EscrowEvent[] = [];
  const calls: MockChain["calls"] = [];
  type NewEvent = EscrowEvent extends infer E
    ? E extends EscrowEvent
      ? Omit<E, "blockNumber" | "logIndex">
      : never
    : never;
  const emit = (e: NewEvent) => {
    mineOne();
    events.push({ ...e, blockNumber: head, logIndex: 0 } as EscrowEvent);
  };
  const must = (id: bigint) => {
    const s = sessions.get(id);
    if (!s) throw new ChainRevertError("unknown", "EscrowUnknownSession");
    return s;
  };
  const claimInto = (id: bigint, bytes: bigint, seconds: bigint) => {
    const s = must(id);
    if (refuseVouchers.has(id)) throw new ChainRevertError("bad signature", "EscrowInvalidSignature");
    if (
      bytes < s.claimedBytes ||
      seconds < s.claimedSeconds ||
      (bytes === s.claimedBytes && seconds === s.claimedSeconds)
    ) {
      throw new ChainRevertError("stale", "EscrowStaleVoucher");
    }
    s.claimedBytes = bytes;
    s.claimedSeconds = seconds;
    emit({ type: "UsageClaimed", sessionId: id, provider, totalBytes: bytes, totalSeconds: seconds });
  };
  const erc1271 = new Set<string>();
  const refuseVouchers = new Set<bigint>();
  const chain: MockChain = {
    erc1271,
    refuseVouchers,
    async isValidErc1271Signature(signer, hash, signature) {
      return erc1271.has(`${signer}:${hash}:${signature}`.toLowerCase());
    },
    provider: getAddress(provider),
    chainId: 31337,
    escrow: "0x00000000000000000000000000000000000000e5",
    sessions,
    events,
    calls,
    get head() {
      return head;
    },
    mine: () => mineOne(),
    async blockNumber() {
      return head;
    },
    async blockHash(n) {
      return n <= head ? hashes.get(n) : undefined;
    },
    nextClient: "0x00000000000000000000000000000000000000c1" as Address,
    full: false,
    snapshot() {
      return {
        head,
        nextId,
        sessions: [...sessions].map(([id, v]) => [id, { ...v }]),
        events: events.map((e) => ({ ...e })),
        hashes: [...hashes],
      };
    },
    revert(snap) {
      head = snap.head;
      nextId = snap.nextId;
      sessions.clear();
      for (const [id, v] of snap.sessions) sessions.set(id, { ...v });
      events.splice(0, events.length, ...snap.events.map((e) => ({ ...e })));
      hashes.clear();
      for (const [n, h] of snap.hashes) hashes.set(n, h);
      branch++;
    },
    async escrowEvents(from, to) {
      return events.filter((e) => e.blockNumber >= from && e.blockNumber <= to);
    },
    async getSession(id) {
      const s = sessions.get(id);
      if (!s) {
        const zero = "0x0000000000000000000000000000000000000000" as Address;
        return {
          client: zero,
          provider: zero,
          signer: zero,
          status: "None",
          deadline: 0,
          feeBps: 0,
          deposit: 0n,
          pricePerGiB: 0n,
          pricePerMinute: 0n,
          claimedBytes: 0n,
          claimedSeconds: 0n,
        };
      }
      return { ...s };
    },
    async getProvider() {
      return { registered: true, paused: false, maxSessions: 100, wgPublicKey: `0x${"11".repeat(32)}` };
    },
    async heartbeatTimeout() {
      return 900;
    },
    async acceptSession(id, tunnelAddress) {
      calls.push({ fn: "acceptSession", args: [id, tunnelAddress] });
      const s = must(id);
      if (s.status !== "Pending") throw new ChainRevertError("status", "EscrowInvalidStatus");
      if (now() > s.deadline) throw new ChainRevertError("deadline", "EscrowAcceptDeadlinePassed");
      if (chain.full) throw new ChainRevertError("full", "RegistryAtCapacity");
      s.status = "Active";
      s.deadline = 0;
      emit({ type: "SessionAccepted", sessionId: id, provider, tunnelAddress });
    },
    async rejectSession(id, reason) {
      calls.push({ fn: "rejectSession", args: [id, reason] });
      const s = must(id);
      if (s.status !== "Pending") throw new ChainRevertError("status", "EscrowInvalidStatus");
      s.status = "Closed";
      s.deadline = 0;
    },
    async claim(id, bytes, seconds, signature) {
      calls.push({ fn: "claim", args: [id, bytes, seconds, signature] });
      const s = must(id);
      if (s.status !== "Active" && s.status !== "Closing") throw new ChainRevertError("status", "EscrowInvalidStatus");
      claimInto(id, bytes, seconds);
    },
    async closeWithVoucher(id, bytes, seconds, signature) {
      calls.push({ fn: "closeWithVoucher", args: [id, bytes, seconds, signature] });
      claimInto(id, bytes, seconds);
      must(id).status = "Closed";
      emit({ type: "SessionClosed", sessionId: id, provider, closedBy: provider, settlementDeadline: 0 });
      emit({ type: "SessionSettled", sessionId: id, provider });
    },
    async closeSession(id) {
      calls.push({ fn: "closeSession", args: [id] });
      must(id).status = "Closed";
      emit({ type: "SessionClosed", sessionId: id, provider, closedBy: provider, settlementDeadline: 0 });
      emit({ type: "SessionSettled", sessionId: id, provider });
    },
    async heartbeat() {
      calls.push({ fn: "heartbeat", args: [] });
    },
    async pause() {
      calls.push({ fn: "pause", args: [] });
    },
    async unpause() {
      calls.push({ fn: "unpause", args: [] });
    },
    open(p) {
      const id = nextId++;
      const forProvider = getAddress(p.provider ?? provider);
      const deadline = p.acceptDeadline ?? now() + 300;
      const client = chain.nextClient;
      sessions.set(id, {
        client,
        provider: forProvider,
        signer: p.signer,
        status: "Pending",
        deadline,
        feeBps: 250,
        deposit: p.deposit ?? 10_000_000n,
        pricePerGiB: p.pricePerGiB ?? 1_000_000n,
        pricePerMinute: p.pricePerMinute ?? 0n,
        claimedBytes: 0n,
        claimedSeconds: 0n,
        wgPublicKey: p.wgPublicKey,
      });
      emit({
        type: "SessionOpened",
        sessionId: id,
        provider: forProvider,
        client,
        wgPublicKey: p.wgPublicKey,
        signer: p.signer,
        deposit: p.deposit ?? 10_000_000n,
        pricePerGiB: p.pricePerGiB ?? 1_000_000n,
        pricePerMinute: p.pricePerMinute ?? 0n,
        feeBps: 250,
        acceptDeadline: deadline,
      });
      return id;
    },
    clientClose(id, settlementDeadline) {
      const s = must(id);
      s.status = "Closing";
      s.deadline = settlementDeadline;
      emit({ type: "SessionClosed", sessionId: id, provider, closedBy: s.client, settlementDeadline });
    },
  };
  return chain;
}
