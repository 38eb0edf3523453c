/**
 * The WireGuard data plane as the agent sees it: one interface, read with one dump, changed
 * with batched `wg set` calls. Implemented by the system backend (kernel module or supervised
 * wireguard-go) and by a mock for unit tests.
 */
import type { PeerChanges } from "./args.ts";
import type { Dump } from "../../../sdk/src/wireguard/dump.ts";

/** Which data plane serves the interface. */
export type BackendMode = "kernel" | "userspace" | "mock";

/** Result of {@link WgBackend.ensureInterface}. */
export interface InterfaceState {
  /** True when the interface did not exist and was created now (all peer counters start at 0). */
  created: boolean;
  /** Kernel interface index; a different index than last time means a new interface. */
  ifindex: number;
  mode: BackendMode;
}

/** The data plane. */
export interface WgBackend {
  readonly iface: string;
  mode(): BackendMode;
  /** Creates the interface when missing (never recreates an existing one) and configures it. */
  ensureInterface(): Promise<InterfaceState>;
  /** One `wg show <if> dump`, parsed. */
  dump(): Promise<Dump>;
  /** Applies `changes` in as few `wg set` calls as the batch size allows; returns the call count. */
  apply(changes: PeerChanges): Promise<number>;
  /** Registers a callback for when the data plane dies (wireguard-go exited). */
  onDown(cb: () => void): void;
  /** Total `wg`/`ip` calls made (for metrics and benchmarks). */
  calls(): number;
  /** Stops supervising; leaves the interface and its peers up. */
  release(): Promise<void>;
  /** Deletes the interface (tests and benchmarks only). */
  destroy(): Promise<void>;
}
