/** The types of `createVpnConnection`: a connection's legs, its tunnel driver, its events and its end. */
import type { Address, Hash, LocalAccount } from "viem";
import type { ProviderRecord } from "../actions/read/getProvider.ts";
import type { SessionRecord } from "../actions/read/getSession.ts";
import type { OpenSessionReturnType } from "../actions/session/openSession.ts";
import { DvpnError } from "../errors/base.ts";
import type { TunnelAddress } from "../wireguard/config.ts";
import type { WgKeyPair } from "../wireguard/keys.ts";
import type { TunnelSessionEnd, TunnelSessionEvent, TunnelSessionParameters } from "./createTunnelSession.ts";
import type { PickedProvider, ProviderChoice } from "./nextProvider.ts";

/** One session of a connection, accepted by its provider. */
export interface TunnelLeg {
  provider: ProviderRecord;
  sessionId: bigint;
  opened: OpenSessionReturnType;
  /** The tunnel's key pair (fresh per session). */
  keys: WgKeyPair;
  /** The session signer (fresh per session). */
  signer: LocalAccount;
  tunnelAddress: string;
  /** The parsed tunnel address; its gateway is where the agent's voucher API listens. */
  tunnel: TunnelAddress & { gateway: string };
  acceptedAt: number;
}

/** What {@link TunnelDriver.up} returns. */
export interface TunnelUp {
  iface: string;
  readBytes?: TunnelSessionParameters["readBytes"];
  readHandshake?: TunnelSessionParameters["readHandshake"];
  send?: TunnelSessionParameters["send"];
}

/** Brings a leg's tunnel up and down (e.g. a config file, a kill switch and wg-quick). */
export interface TunnelDriver {
  /**
   * Brings `leg`'s tunnel up. `previous` is the leg before it (already taken down): a kill switch
   * swaps the allowed WireGuard endpoint from its provider to `leg`'s in one atomic step.
   * @returns the WireGuard interface carrying the tunnel, and optionally its own counter reader,
   * handshake reader and voucher transport (default: the interface's WireGuard counters and
   * handshake, and `postVoucher` to the leg's gateway).
   */
  up(leg: TunnelLeg, previous?: TunnelLeg): Promise<TunnelUp>;
  /** Takes `leg`'s tunnel down (the kill switch, if any, stays). */
  down(leg: TunnelLeg): Promise<void>;
}

/** What happened to one provider's session and its money. */
export type LegOutcome =
  /** Not accepted in time: withdrawn at once, the whole deposit back. */
  | { kind: "cancelled"; refund: bigint; hash: Hash }
  /** The provider closed the session (e.g. it cut the tunnel): its on-chain record. */
  | { kind: "provider-closed"; record: SessionRecord }
  /**
   * This client closed the session: the provider may claim up to `owedAtMost` (the best voucher
   * it took) until `settlementDeadline`; then anyone finalizes and the rest is refunded.
   */
  | {
      kind: "client-closed";
      hash: Hash;
      settlementDeadline: number;
      owedAtMost: bigint;
      paid?: bigint;
      refund?: bigint;
    };

/** One provider tried by a connection. */
export interface LegResult {
  provider: Address;
  sessionId: bigint;
  deposit: bigint;
  /** How the tunnel session ended, when it was accepted and brought up. */
  end?: TunnelSessionEnd;
  /** Why the connection left this provider (or stopped). */
  reason: "not-accepted" | "bad-tunnel-address" | "tunnel-failed" | "tunnel-conflict" | TunnelSessionEnd["reason"];
  /** With `tunnel-conflict`: what its tunnel clashed with (see `TunnelConflictError`). */
  detail?: string;
  outcome: LegOutcome;
}

/** The tunnel driver could not bring a tunnel up; the session was closed (see `legs`). */
export class TunnelUpError extends DvpnError {
  override name = "TunnelUpError";
  /** Every provider tried, the last one with the closed session. */
  legs: LegResult[];
  /** @param message what failed; @param legs the providers tried; @param cause the driver's error. */
  constructor(message: string, legs: LegResult[], cause: unknown) {
    super(message, { cause });
    this.legs = legs;
  }
}

/** What a connection reports while it runs. */
export type VpnConnectionEvent =
  | { type: "picked"; picked: PickedProvider; attempt: number }
  | { type: "opened"; provider: ProviderRecord; opened: OpenSessionReturnType }
  | { type: "waiting"; sessionId: bigint; elapsedMs: number }
  | { type: "accepted"; leg: TunnelLeg }
  | { type: "up"; leg: TunnelLeg; iface: string }
  | { type: "session"; leg: TunnelLeg; event: TunnelSessionEvent }
  | { type: "left"; result: LegResult; failover: boolean }
  | { type: "no-provider"; excluded: Address[] };

/** Why {@link VpnConnection.run} returned. */
export type VpnConnectionEndReason =
  | "stopped"
  | "deposit"
  /** The last provider failed and failover is off (or the attempts are used up). */
  | "provider-closed"
  | "unreachable"
  /** The provider did not accept in time (withdrawn at once) and failover is off. */
  | "not-accepted"
  /** No provider left that matches the choice. */
  | "no-provider"
  /** The last provider's tunnel conflicted with another tunnel (see `TunnelConflictError`) and none is left. */
  | "tunnel-conflict";

/** Parameters of `createVpnConnection`. */
export interface VpnConnectionParameters {
  /** Which providers qualify: one named provider, or a region and price caps. */
  choice: ProviderChoice;
  /** The deposit of each session (base units). */
  deposit: bigint;
  tunnel: TunnelDriver;
  /** Move to the next provider when one stops serving (default true). */
  failover?: boolean;
  /** How many providers to try in all (default 4). */
  maxProviders?: number;
  /** Wait this long for an accept, then withdraw the session at once (default 60000 ms). */
  acceptTimeoutMs?: number;
  /** Poll period while waiting for the accept (default 1000 ms). */
  acceptPollMs?: number;
  /**
   * Options of each `createTunnelSession`: its grace is `unreachableAfterMs` (default here
   * 20000), and the agent is probed (a voucher) at least every `probeIntervalMs` (default here 2000).
   */
  session?: Partial<
    Pick<
      TunnelSessionParameters,
      | "voucherIntervalSeconds"
      | "closeAtPercent"
      | "unreachableAfterMs"
      | "credit"
      | "tickMs"
      | "chainCheckMs"
      | "staleHandshakeSeconds"
      | "probeIntervalMs"
    >
  >;
  onEvent?: (event: VpnConnectionEvent) => void;
}

/** What {@link VpnConnection.run} returns. */
export interface VpnConnectionEnd {
  reason: VpnConnectionEndReason;
  /** Every provider tried, in order, with what happened to its session's money. */
  legs: LegResult[];
  /** The leg whose tunnel is up at the end (none: every tunnel is down). */
  current?: TunnelLeg;
}

/** A connection: see `createVpnConnection`. */
export interface VpnConnection {
  /** Connects and pays until the signal aborts, the deposit is nearly used, or no provider is left. */
  run(signal?: AbortSignal): Promise<VpnConnectionEnd>;
  /** The leg being paid now, if any. */
  current(): TunnelLeg | undefined;
}
