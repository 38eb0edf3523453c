import type { Row } from "../database/tables.ts";
import { checksum, nameOf, regionOf, type ChainEvent } from "./decodeLogs.ts";
import { exitPolicyColumns } from "./exitPolicyColumns.ts";
import { transportColumns } from "./transportColumns.ts";
import { HOUR, histogramIndex, hourOf, MISSED_ACCEPT_AFTER_SECONDS } from "./reputation.ts";
import type { BatchStore } from "./store.ts";

/** Keys to load before the events of a range are applied. */
export function keysOf(events: ChainEvent[]): {
  providers: Row[];
  sessions: Row[];
  proposals: Row[];
  parameters: Row[];
} {
  const parameters = new Map<string, Row>(PARAMETER_NAMES.map((id) => [id, { id }]));
  const providers = new Map<string, Row>();
  const sessions = new Map<string, Row>();
  const proposals = new Map<string, Row>();
  for (const e of events) {
    if (e.name === "ParameterUpdated") parameters.set(nameOf(e.args.name), { id: nameOf(e.args.name) });
    if (e.args.provider) providers.set(e.args.provider, { id: checksum(e.args.provider) });
    if (e.args.sessionId !== undefined) sessions.set(String(e.args.sessionId), { id: e.args.sessionId });
    if (e.contract === "governor" && e.args.proposalId !== undefined) {
      proposals.set(String(e.args.proposalId), { id: e.args.proposalId });
    }
  }
  return {
    providers: [...providers.values()],
    sessions: [...sessions.values()],
    proposals: [...proposals.values()],
    parameters: [...parameters.values()],
  };
}

/** Every parameter the contracts and the governor emit. */
export const PARAMETER_NAMES = [
  "minStake",
  "unbondingPeriod",
  "heartbeatTimeout",
  "maxSlashBps",
  "protocolFeeBps",
  "acceptTimeout",
  "settlementWindow",
  "treasury",
  "votingDelay",
  "votingPeriod",
  "proposalThreshold",
  "quorumNumerator",
];

/** Parameter values by name as bigint (loaded at the start of every range). */
export type Params = Map<string, bigint>;

function newProvider(id: string, e: ChainEvent): Row {
  return {
    id,
    endpoint: "",
    wgPublicKey: "0x",
    region: "",
    pricePerGiB: 0n,
    pricePerMinute: 0n,
    maxSessions: 0,
    activeSessions: 0,
    hasCapacity: false,
    stake: 0n,
    unbonding: 0n,
    unbondingEnd: 0,
    paused: false,
    registered: false,
    registeredAt: e.timestamp,
    registeredBlock: e.blockNumber,
    lastHeartbeat: 0,
    coveredUntil: 0,
    heartbeatCount: 0,
    sessionsOpened: 0,
    sessionsAccepted: 0,
    sessionsMissed: 0,
    sessionsPaid: 0,
    sessionsAcceptedPaid: 0,
    sessionsCompleted: 0,
    bytesServed: 0n,
    secondsServed: 0n,
    paidVolume: 0n,
    feesPaid: 0n,
    slashCount: 0,
    slashedAmount: 0n,
    acceptHistogram: {},
    score: 0,
    scoreAt: 0,
    updatedBlock: e.blockNumber,
    exitPolicy: "",
    exitDenyPorts: [],
    exitAllowPorts: [],
    transport: "none",
    transportPort: 0,
    transportCertSha256: "",
    transportClientId: "",
  };
}

/** Records heartbeat coverage [max(t, coveredUntil), t + timeout] in hourly buckets. */
function cover(store: BatchStore, p: Row, t: number, timeout: number): void {
  const end = t + timeout;
  let start = Math.max(t, p.coveredUntil as number);
  while (start < end) {
    const hour = hourOf(start);
    const until = Math.min(end, hour + HOUR);
    store.add("provider_hours", { provider: p.id, hour }, { coveredSeconds: until - start });
    start = until;
  }
  if (end > (p.coveredUntil as number)) p.coveredUntil = end;
}

function heartbeat(store: BatchStore, params: Params, p: Row, e: ChainEvent, t: number): void {
  p.lastHeartbeat = t;
  p.heartbeatCount = (p.heartbeatCount as number) + 1;
  cover(store, p, t, Number(params.get("heartbeatTimeout") ?? 0n));
  store.add("provider_hours", { provider: p.id, hour: hourOf(t) }, { heartbeats: 1 });
  store.append("heartbeats", { id: e.id, blockNumber: e.blockNumber, timestamp: t, provider: p.id });
}

function setParam(store: BatchStore, params: Params, e: ChainEvent, id: string, contract: string, value: bigint): void {
  params.set(id, value);
  const row = store.get("parameters", { id }) ?? { id };
  store.put("parameters", { ...row, id, contract, value, updatedAt: e.timestamp, updatedBlock: e.blockNumber });
}

/**
 * Applies one event to the in-memory state of the range. Everything it changes is a rollup the
 * feed reads directly: nothing is recomputed per query.
 */
export function applyEvent(store: BatchStore, params: Params, e: ChainEvent): void {
  const a = e.args;
  const t = e.timestamp;
  const provider = (): Row => {
    const id = checksum(a.provider);
    let p = store.get("providers", { id });
    if (!p) {
      p = newProvider(id, e);
      store.put("providers", p);
    }
    p.updatedBlock = e.blockNumber;
    store.put("providers", p);
    return p;
  };
  const session = (): Row => {
    const s = store.get("sessions", { id: a.sessionId });
    if (!s) throw new Error(`event ${e.name} for unknown session ${a.sessionId} (block ${e.blockNumber})`);
    s.updatedAt = t;
    s.updatedBlock = e.blockNumber;
    store.put("sessions", s);
    return s;
  };
  const proposal = (): Row | undefined => {
    const p = store.get("proposals", { id: a.proposalId });
    if (p) {
      p.updatedBlock = e.blockNumber;
      store.put("proposals", p);
    }
    return p;
  };
  const regionHour = (p: Row, deltas: Record<string, number | bigint>) =>
    store.add("region_hours", { region: p.region, hour: hourOf(t) }, deltas);
  const providerHour = (p: Row, deltas: Record<string, number | bigint>) =>
    store.add("provider_hours", { provider: p.id, hour: hourOf(t) }, deltas);

  switch (`${e.contract}.${e.name}`) {
    // ─── registry ───
    case "registry.ProviderRegistered": {
      // A re-registration after a full exit keeps the history and the first registration time.
      const p = provider();
      Object.assign(p, {
        endpoint: a.endpoint,
        wgPublicKey: a.wgPublicKey,
        region: regionOf(a.region),
        pricePerGiB: a.pricePerGiB,
        pricePerMinute: a.pricePerMinute,
        maxSessions: Number(a.maxSessions),
        stake: a.stake,
        paused: false,
        registered: true,
      });
      p.hasCapacity = (p.activeSessions as number) < (p.maxSessions as number);
      heartbeat(store, params, p, e, t); // registration counts as a heartbeat
      break;
    }
    case "registry.ProviderUpdated": {
      const p = provider();
      Object.assign(p, {
        endpoint: a.endpoint,
        wgPublicKey: a.wgPublicKey,
        region: regionOf(a.region),
        maxSessions: Number(a.maxSessions),
      });
      p.hasCapacity = (p.activeSessions as number) < (p.maxSessions as number);
      break;
    }
    case "registry.ExitPolicyUpdated":
      Object.assign(provider(), exitPolicyColumns(a.policy as string));
      break;
    case "registry.TransportUpdated":
      Object.assign(provider(), transportColumns(a));
      break;
    case "registry.PricesUpdated":
      Object.assign(provider(), { pricePerGiB: a.pricePerGiB, pricePerMinute: a.pricePerMinute });
      break;
    case "registry.ProviderPaused":
      provider().paused = true;
      break;
    case "registry.ProviderUnpaused":
      provider().paused = false;
      break;
    case "registry.Heartbeat":
      heartbeat(store, params, provider(), e, Number(a.timestamp));
      break;
    case "registry.StakeAdded":
      provider().stake = a.stake;
      break;
    case "registry.UnstakeRequested": {
      const p = provider();
      p.stake = (p.stake as bigint) - (a.amount as bigint);
      p.unbonding = a.unbonding;
      p.unbondingEnd = Number(a.releaseTime);
      break;
    }
    case "registry.StakeWithdrawn":
      Object.assign(provider(), { unbonding: 0n, unbondingEnd: 0 });
      break;
    case "registry.ProviderDeregistered":
      Object.assign(provider(), { registered: false, paused: false });
      break;
    case "registry.ProviderSlashed": {
      const p = provider();
      p.stake = a.stake;
      p.unbonding = a.unbonding;
      p.slashCount = (p.slashCount as number) + 1;
      p.slashedAmount = (p.slashedAmount as bigint) + (a.amount as bigint);
      store.append("slashes", {
        id: e.id,
        blockNumber: e.blockNumber,
        timestamp: t,
        provider: p.id,
        amount: a.amount,
        beneficiary: checksum(a.beneficiary),
        stakeAfter: a.stake,
      });
      break;
    }
    case "registry.ActiveSessionsChanged": {
      const p = provider();
      p.activeSessions = Number(a.activeSessions);
      p.hasCapacity = (p.activeSessions as number) < (p.maxSessions as number);
      break;
    }
    case "registry.ParameterUpdated":
      setParam(store, params, e, nameOf(a.name), "ProviderRegistry", a.newValue);
      break;
    case "escrow.ParameterUpdated":
      setParam(store, params, e, nameOf(a.name), "SessionEscrow", a.newValue);
      break;

    // ─── escrow ───
    case "escrow.SessionOpened": {
      const p = provider();
      p.sessionsOpened = (p.sessionsOpened as number) + 1;
      store.put("sessions", {
        id: a.sessionId,
        provider: p.id,
        client: checksum(a.client),
        signer: checksum(a.signer),
        wgPublicKey: a.wgPublicKey,
        status: "Pending",
        outcome: null,
        deposit: a.deposit,
        pricePerGiB: a.pricePerGiB,
        pricePerMinute: a.pricePerMinute,
        feeBps: Number(a.feeBps),
        acceptDeadline: Number(a.acceptDeadline),
        openedAt: t,
        openedBlock: e.blockNumber,
        acceptedAt: null,
        tunnelAddress: null,
        closedAt: null,
        closedBy: null,
        settlementDeadline: null,
        settledAt: null,
        claimedBytes: 0n,
        claimedSeconds: 0n,
        paid: 0n,
        fees: 0n,
        refund: null,
        claimCount: 0,
        updatedAt: t,
        updatedBlock: e.blockNumber,
      });
      providerHour(p, { sessionsOpened: 1 });
      regionHour(p, { sessionsOpened: 1 });
      break;
    }
    case "escrow.SessionAccepted": {
      const s = session();
      Object.assign(s, { status: "Active", acceptedAt: t, tunnelAddress: a.tunnelAddress });
      const p = provider();
      p.sessionsAccepted = (p.sessionsAccepted as number) + 1;
      break;
    }
    case "escrow.SessionCancelled": {
      const s = session();
      Object.assign(s, { status: "Closed", outcome: "Cancelled", refund: a.refund, closedAt: t, settledAt: t });
      // A withdrawal within MISSED_ACCEPT_AFTER_SECONDS of the open is not the provider's miss.
      if (t - (s.openedAt as number) >= MISSED_ACCEPT_AFTER_SECONDS) {
        const p = provider();
        p.sessionsMissed = (p.sessionsMissed as number) + 1;
      }
      break;
    }
    case "escrow.SessionRejected": {
      // The provider refused the session (its reason is on chain): the client got its deposit back
      // at once. Not a missed acceptance: the provider answered.
      const s = session();
      Object.assign(s, { status: "Closed", outcome: "Rejected", refund: a.refund, closedAt: t, settledAt: t });
      s.closedBy = checksum(a.provider);
      break;
    }
    case "escrow.UsageClaimed": {
      const s = session();
      const p = provider();
      const totalBytes = BigInt(a.totalBytes);
      const totalSeconds = BigInt(a.totalSeconds);
      const deltaBytes = totalBytes - (s.claimedBytes as bigint);
      const deltaSeconds = totalSeconds - (s.claimedSeconds as bigint);
      const wasPaid = (s.paid as bigint) > 0n;
      const totalPaid = a.totalPaid as bigint;
      Object.assign(s, {
        claimedBytes: totalBytes,
        claimedSeconds: totalSeconds,
        paid: totalPaid,
        fees: (s.fees as bigint) + (a.fee as bigint),
        claimCount: (s.claimCount as number) + 1,
      });
      if (!wasPaid && totalPaid > 0n) {
        // The session now counts for reputation: all its usage so far.
        p.sessionsPaid = (p.sessionsPaid as number) + 1;
        p.bytesServed = (p.bytesServed as bigint) + totalBytes;
        p.secondsServed = (p.secondsServed as bigint) + totalSeconds;
        if (s.acceptedAt !== null) {
          p.sessionsAcceptedPaid = (p.sessionsAcceptedPaid as number) + 1;
          const idx = String(histogramIndex((s.acceptedAt as number) - (s.openedAt as number)));
          const hist = { ...(p.acceptHistogram as Record<string, number>) };
          hist[idx] = (hist[idx] ?? 0) + 1;
          p.acceptHistogram = hist;
        }
      } else if (wasPaid) {
        p.bytesServed = (p.bytesServed as bigint) + deltaBytes;
        p.secondsServed = (p.secondsServed as bigint) + deltaSeconds;
      }
      p.paidVolume = (p.paidVolume as bigint) + (a.amount as bigint);
      p.feesPaid = (p.feesPaid as bigint) + (a.fee as bigint);
      providerHour(p, { bytes: deltaBytes, volume: a.amount as bigint });
      regionHour(p, { bytes: deltaBytes, volume: a.amount as bigint, claims: 1 });
      store.append("claims", {
        id: e.id,
        blockNumber: e.blockNumber,
        timestamp: t,
        sessionId: a.sessionId,
        provider: p.id,
        totalBytes,
        totalSeconds,
        amount: a.amount,
        fee: a.fee,
        totalPaid,
      });
      break;
    }
    case "escrow.SessionClosed": {
      // The first close is the one recorded: when the provider settles a session the client
      // already closed (closeWithVoucher in the settlement window, the agent's usual answer),
      // the second SessionClosed keeps the client as the closer; settledAt tells when it ended.
      const s = session();
      if (s.closedAt == null) {
        s.closedAt = t;
        s.closedBy = checksum(a.closedBy);
      }
      const deadline = Number(a.settlementDeadline);
      if (deadline !== 0) Object.assign(s, { status: "Closing", settlementDeadline: deadline });
      break;
    }
    case "escrow.SessionSettled": {
      const s = session();
      Object.assign(s, { status: "Closed", outcome: "Settled", settledAt: t, refund: a.refund });
      if ((a.paid as bigint) > 0n) {
        const p = provider();
        p.sessionsCompleted = (p.sessionsCompleted as number) + 1;
        regionHour(p, { sessionsSettled: 1 });
      }
      break;
    }

    // ─── governor ───
    case "governor.ProposalCreated":
      store.put("proposals", {
        id: a.proposalId,
        proposer: checksum(a.proposer),
        description: a.description,
        targets: (a.targets as string[]).map(checksum),
        values: (a.values as bigint[]).map(String),
        calldatas: a.calldatas,
        voteStart: Number(a.voteStart),
        voteEnd: Number(a.voteEnd),
        createdAt: t,
        createdBlock: e.blockNumber,
        forVotes: 0n,
        againstVotes: 0n,
        abstainVotes: 0n,
        voteCount: 0,
        queuedAt: null,
        eta: null,
        executedAt: null,
        canceledAt: null,
        updatedBlock: e.blockNumber,
      });
      break;
    case "governor.VoteCast":
    case "governor.VoteCastWithParams": {
      const p = proposal();
      const support = Number(a.support);
      if (p) {
        const col = support === 1 ? "forVotes" : support === 0 ? "againstVotes" : "abstainVotes";
        p[col] = (p[col] as bigint) + (a.weight as bigint);
        p.voteCount = (p.voteCount as number) + 1;
      }
      store.append("votes", {
        id: e.id,
        blockNumber: e.blockNumber,
        timestamp: t,
        proposalId: a.proposalId,
        voter: checksum(a.voter),
        support,
        weight: a.weight,
        reason: a.reason,
      });
      break;
    }
    case "governor.ProposalQueued": {
      const p = proposal();
      if (p) Object.assign(p, { queuedAt: t, eta: Number(a.etaSeconds) });
      break;
    }
    case "governor.ProposalExecuted": {
      const p = proposal();
      if (p) p.executedAt = t;
      break;
    }
    case "governor.ProposalCanceled": {
      const p = proposal();
      if (p) p.canceledAt = t;
      break;
    }
    case "governor.VotingDelaySet":
      setParam(store, params, e, "votingDelay", "DVPNGovernor", a.newVotingDelay);
      break;
    case "governor.VotingPeriodSet":
      setParam(store, params, e, "votingPeriod", "DVPNGovernor", a.newVotingPeriod);
      break;
    case "governor.ProposalThresholdSet":
      setParam(store, params, e, "proposalThreshold", "DVPNGovernor", a.newProposalThreshold);
      break;
    case "governor.QuorumNumeratorUpdated":
      setParam(store, params, e, "quorumNumerator", "DVPNGovernor", a.newQuorumNumerator);
      break;
    default:
      break;
  }
}
