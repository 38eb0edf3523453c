/**
 * A two-hop VPN connection (Node only): two {@link createVpnConnection}s, an entry and an exit,
 * each with its own paid session, key pair, session signer, health watch and failover. The exit's
 * WireGuard tunnel runs inside the entry's: the entry sees the client's address and encrypted
 * traffic to the exit's endpoint; the exit sees the entry's address and the destinations. Each
 * hop's vouchers are driven by its own interface's counter and travel inside that hop (the entry's
 * to the entry's gateway through the entry tunnel, the exit's to the exit's gateway through the
 * exit tunnel). The exit may be paid by a second account (`exitClient`), so the chain does not
 * show one account opening both sessions.
 *
 * The exit's first session is opened once the entry's tunnel is up, so nothing is paid to an exit
 * while the entry connects, and nothing at all when no entry comes up.
 *
 * Failover per hop: a failed exit is replaced while the entry stays (the entry's allowed
 * destination moves to the new exit's endpoint); a failed entry is replaced while the exit
 * session stays (its WireGuard re-handshakes through the new entry, within `exitGraceMs`). An exit
 * whose tunnel clashes with the entry's (the same gateway or overlapping subnets: both providers
 * hand out addresses from one pool) is left like a failed one, its session closed before anything
 * was used, and the next exit tried; likewise a new entry that clashes with the exit.
 * Routing, the kill switch and DNS are the caller's {@link TwoHopTunnelDriver}.
 */
import type { Address } from "viem";
import type { DvpnClient } from "../client/createDvpnClient.ts";
import { DvpnError } from "../errors/base.ts";
import {
  createVpnConnection,
  type TunnelLeg,
  type TunnelUp,
  type VpnConnectionEnd,
  type VpnConnectionEvent,
  type VpnConnectionParameters,
} from "./createVpnConnection.ts";
import type { ProviderChoice } from "./nextProvider.ts";
import { pickHopPair, type HopPair } from "./pickHopPair.ts";
import { TunnelConflictError, tunnelConflict } from "./tunnelConflict.ts";

/** Which hop. */
export type Hop = "entry" | "exit";

/** Brings each hop's tunnel up and down; the exit's always inside the entry's. */
export interface TwoHopTunnelDriver {
  /**
   * Brings an entry tunnel up that carries only the exit's endpoint (when there is an exit yet)
   * and the entry's own gateway. `previous` is the entry it replaces (already down).
   */
  upEntry(leg: TunnelLeg, exit: TunnelLeg | undefined, previous?: TunnelLeg): Promise<TunnelUp>;
  downEntry(leg: TunnelLeg): Promise<void>;
  /**
   * Points the entry at `leg`'s endpoint (instead of `previous`'s) and brings the exit tunnel up
   * inside it: the full tunnel, with a smaller MTU.
   */
  upExit(leg: TunnelLeg, entry: TunnelLeg, previous?: TunnelLeg): Promise<TunnelUp>;
  downExit(leg: TunnelLeg): Promise<void>;
}

/** What a two-hop connection reports: each hop's own events, and the planned pair. */
export type TwoHopEvent = { type: "pair"; pair: HopPair } | { type: "hop"; hop: Hop; event: VpnConnectionEvent };

/** Parameters of {@link createTwoHopConnection}. */
export interface TwoHopConnectionParameters {
  /** The entry's choice (region, price caps, or one provider); never the exit's provider. */
  entry: ProviderChoice;
  /** The exit's choice. */
  exit: ProviderChoice;
  /** Allow the entry and exit in one region (default false: a clear error when no second region qualifies). */
  sameRegion?: boolean;
  /** The deposit of each entry session (base units). */
  deposit: bigint;
  /** The deposit of each exit session (default `deposit`). */
  exitDeposit?: bigint;
  /** Another account for the exit's sessions (default: the same client): the chain then links nothing. */
  exitClient?: DvpnClient;
  tunnel: TwoHopTunnelDriver;
  /** Per-hop failover (default true). */
  failover?: boolean;
  /** Providers each hop may try in all (default 4). */
  maxProviders?: number;
  acceptTimeoutMs?: number;
  acceptPollMs?: number;
  /** Both hops' session options (see {@link VpnConnectionParameters.session}). */
  session?: VpnConnectionParameters["session"];
  /**
   * The exit's grace: how long its tunnel may stay unhealthy, e.g. while a failed entry is
   * replaced (default twice the entry's grace + 10 s: the entry's outage is detected within its
   * grace and a new entry accepts within seconds when providers are healthy).
   */
  exitGraceMs?: number;
  onEvent?: (event: TwoHopEvent) => void;
}

/** What {@link TwoHopConnection.run} returns: each hop's end, with every session's money. */
export interface TwoHopConnectionEnd {
  /** Why the connection ended: the first hop that ended says it (`stopped` on the caller's signal). */
  reason: VpnConnectionEnd["reason"];
  /** The hop that ended first (undefined when stopped by the caller). */
  endedBy?: Hop;
  pair: HopPair;
  entry: VpnConnectionEnd;
  exit: VpnConnectionEnd;
}

/** A two-hop connection: see {@link createTwoHopConnection}. */
export interface TwoHopConnection {
  /** Picks the pair (throws before any money moves when none qualifies), connects and pays until stopped. */
  run(signal?: AbortSignal): Promise<TwoHopConnectionEnd>;
  /** The legs up now. */
  current(): { entry?: TunnelLeg; exit?: TunnelLeg };
}

/** The exit's tunnel cannot come up: there is no entry tunnel to carry it. */
export class NoEntryError extends DvpnError {
  override name = "NoEntryError";
}

/**
 * Two hops over two {@link createVpnConnection}s (see the module's description).
 * @param client the entry's paying client (and the exit's, unless `exitClient`).
 * @param params the choices, deposits, driver and options.
 * @returns the connection; call `run(signal)`.
 * @example
 * const conn = createTwoHopConnection(client, {
 *   entry: { maxPricePerGiB: 50_000n }, exit: { region: "NL", maxPricePerGiB: 50_000n },
 *   deposit: 5_000_000n, exitClient: secondAccountClient, tunnel: myDriver,
 * })
 * const { entry, exit } = await conn.run(abortSignal)
 */
export function createTwoHopConnection(client: DvpnClient, params: TwoHopConnectionParameters): TwoHopConnection {
  // One account for both hops: its session writes go one at a time (each open may sign a permit
  // with the token's next permit nonce, which two concurrent opens would both take).
  const entryClient = params.exitClient ? client : oneWriteAtATime(client);
  const exitClient = params.exitClient ?? entryClient;
  const emit = (e: TwoHopEvent) => params.onEvent?.(e);
  let entryLeg: TunnelLeg | undefined;
  let exitLeg: TunnelLeg | undefined;
  /** The provider each hop uses now (or is about to), so the other hop keeps away from it. */
  const using: Record<Hop, { address: Address; region: string } | undefined> = { entry: undefined, exit: undefined };
  const avoidOf = (other: Hop) => () => {
    const o = using[other];
    return { providers: o ? [o.address] : [], regions: o && !params.sameRegion ? [o.region] : [] };
  };
  // Waiters for the entry tunnel; settled when it comes up, rejected when the entry hop ends.
  let entryWaiters: { resolve: (l: TunnelLeg) => void; reject: (e: Error) => void }[] = [];
  let entryEnded = false;
  const waitEntry = (signal: AbortSignal) =>
    entryLeg
      ? Promise.resolve(entryLeg)
      : entryEnded
        ? Promise.reject(new NoEntryError("the entry hop ended: no tunnel to carry the exit"))
        : signal.aborted
          ? Promise.reject(new NoEntryError("stopped before the entry tunnel came up"))
          : new Promise<TunnelLeg>((resolve, reject) => {
              const onAbort = () => reject(new NoEntryError("stopped before the entry tunnel came up"));
              signal.addEventListener("abort", onAbort, { once: true });
              entryWaiters.push({
                resolve: (l) => (signal.removeEventListener("abort", onAbort), resolve(l)),
                reject,
              });
            });
  const common = {
    failover: params.failover ?? true,
    maxProviders: params.maxProviders ?? 4,
    ...(params.acceptTimeoutMs !== undefined ? { acceptTimeoutMs: params.acceptTimeoutMs } : {}),
    ...(params.acceptPollMs !== undefined ? { acceptPollMs: params.acceptPollMs } : {}),
  };
  const track = (hop: Hop) => (event: VpnConnectionEvent) => {
    if (event.type === "opened") using[hop] = { address: event.provider.address, region: event.provider.region };
    emit({ type: "hop", hop, event });
  };
  const entryGrace = params.session?.unreachableAfterMs ?? 20_000;

  return {
    current: () => ({ ...(entryLeg ? { entry: entryLeg } : {}), ...(exitLeg ? { exit: exitLeg } : {}) }),
    async run(signal) {
      const pair = await pickHopPair(client, {
        entry: params.entry,
        exit: params.exit,
        ...(params.sameRegion ? { sameRegion: true } : {}),
        exitClient,
      });
      emit({ type: "pair", pair });
      // Stopped while the pair was picked: nothing is opened, nothing is paid.
      if (signal?.aborted)
        return {
          reason: "stopped",
          pair,
          entry: { reason: "stopped", legs: [] },
          exit: { reason: "stopped", legs: [] },
        };
      using.entry = pair.entry;
      using.exit = pair.exit;
      // The exit stops on the caller's signal or when the entry hop ends; the entry only after the
      // exit is down and settled (its last vouchers travel through the entry).
      const exitStop = new AbortController();
      const entryStop = new AbortController();
      const onAbort = () => exitStop.abort();
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) exitStop.abort();
      let endedBy: Hop | undefined;

      const entry = createVpnConnection(entryClient, {
        ...common,
        choice: { ...params.entry, avoid: avoidOf("exit") },
        deposit: params.deposit,
        ...(params.session ? { session: params.session } : {}),
        tunnel: {
          up: async (leg, previous) => {
            if (exitLeg) refuseClash("entry", leg, exitLeg);
            const up = await params.tunnel.upEntry(leg, exitLeg, previous);
            entryLeg = leg;
            for (const w of entryWaiters) w.resolve(leg);
            entryWaiters = [];
            return up;
          },
          down: async (leg) => {
            entryLeg = undefined;
            await params.tunnel.downEntry(leg);
          },
        },
        onEvent: track("entry"),
      });
      const exit = createVpnConnection(exitClient, {
        ...common,
        choice: { ...params.exit, avoid: avoidOf("entry") },
        deposit: params.exitDeposit ?? params.deposit,
        session: {
          ...params.session,
          unreachableAfterMs: params.exitGraceMs ?? 2 * entryGrace + 10_000,
        },
        tunnel: {
          up: async (leg, previous) => {
            const carrier = await waitEntry(exitStop.signal);
            refuseClash("exit", leg, carrier);
            const up = await params.tunnel.upExit(leg, carrier, previous);
            exitLeg = leg;
            return up;
          },
          down: async (leg) => {
            exitLeg = undefined;
            await params.tunnel.downExit(leg);
          },
        },
        onEvent: track("exit"),
      });

      const entryRun = entry
        .run(entryStop.signal)
        .then(
          (end) => ({ end }),
          (error: unknown) => ({ error }),
        )
        .finally(() => {
          entryEnded = true;
          if (!signal?.aborted) endedBy ??= "entry";
          for (const w of entryWaiters) w.reject(new NoEntryError("the entry hop ended: no tunnel to carry the exit"));
          entryWaiters = [];
          exitStop.abort();
        });
      // The exit's first session is opened only once an entry tunnel is up: its provider bills
      // per minute from its accept and expects vouchers that only the entry can carry, and the
      // entry may take up to acceptTimeoutMs × maxProviders to connect (or never come up: then no
      // exit session is opened at all). A replacement exit (failover) opens when the exit fails;
      // its tunnel waits for the entry as the first one's would.
      const exitResult = await waitEntry(exitStop.signal).then(
        () =>
          exit.run(exitStop.signal).then(
            (end) => ({ end }),
            (error: unknown) => ({ error }),
          ),
        (): { end: VpnConnectionEnd } => ({ end: { reason: "stopped", legs: [] } }),
      );
      if (!signal?.aborted) endedBy ??= "exit";
      // The entry goes down only now, its session settled after the exit's (both, also on an error).
      entryStop.abort();
      signal?.removeEventListener("abort", onAbort);
      const entryResult = await entryRun;
      if ("error" in exitResult && "error" in entryResult) {
        throw new AggregateError([exitResult.error, entryResult.error], "both hops failed");
      }
      if ("error" in exitResult) throw exitResult.error;
      if ("error" in entryResult) throw entryResult.error;
      const exitEnd = exitResult.end;
      const entryEnd = entryResult.end;
      const first = endedBy === "exit" ? exitEnd : endedBy === "entry" ? entryEnd : undefined;
      return {
        reason: signal?.aborted ? "stopped" : (first?.reason ?? "stopped"),
        ...(endedBy && !signal?.aborted ? { endedBy } : {}),
        pair,
        entry: entryEnd,
        exit: exitEnd,
      };
    },
  };
}

/** Throws {@link TunnelConflictError} when `leg`'s tunnel cannot be up beside the other hop's. */
function refuseClash(hop: Hop, leg: TunnelLeg, other: TunnelLeg): void {
  const why = tunnelConflict(leg.tunnel, other.tunnel);
  if (why) {
    const otherHop = hop === "exit" ? "entry" : "exit";
    throw new TunnelConflictError(
      `the ${hop} ${leg.provider.address} cannot be paired with the ${otherHop} ${other.provider.address}: ${why}`,
    );
  }
}

/** `client` whose session writes (open, close, cancel) run one after another. */
function oneWriteAtATime(client: DvpnClient): DvpnClient {
  let last: Promise<unknown> = Promise.resolve();
  const serial =
    <P, R>(f: (p: P) => Promise<R>) =>
    (p: P): Promise<R> => {
      const next = last.then(
        () => f(p),
        () => f(p),
      );
      last = next.catch(() => undefined);
      return next;
    };
  return {
    ...client,
    openSession: serial(client.openSession),
    closeSession: serial(client.closeSession),
    cancelSession: serial(client.cancelSession),
  };
}
