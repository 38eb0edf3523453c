/**
 * An in-memory {@link WgBackend} for unit tests: records every change, lets a test move
 * counters, reset them, or take the interface down.
 */
import { buildSetArgs, type PeerChanges } from "./args.ts";
import type { WgBackend } from "./backend.ts";
import type { Dump, DumpPeer } from "../../../sdk/src/wireguard/dump.ts";

/** The mock with its test handles. */
export interface MockBackend extends WgBackend {
  peers: Map<string, DumpPeer>;
  /** Argument arrays of every `wg set` call that would have run. */
  setCalls: string[][];
  /** Adds traffic to a peer's counters. */
  traffic(publicKey: string, rx: bigint, tx: bigint): void;
  /** Simulates wireguard-go dying: the interface and all peers vanish. */
  kill(): void;
  /** Adds a peer behind the agent's back (a stale or foreign peer). */
  inject(peer: Partial<DumpPeer> & { publicKey: string }): void;
}

/** Creates a mock backend for interface `iface`. */
export function createMockBackend(iface = "dvpn-mock", now = () => Math.floor(Date.now() / 1000)): MockBackend {
  let up = false;
  let ifindex = 100;
  let calls = 0;
  const downCallbacks: (() => void)[] = [];
  const peers = new Map<string, DumpPeer>();
  const setCalls: string[][] = [];
  return {
    iface,
    peers,
    setCalls,
    mode: () => "mock",
    async ensureInterface() {
      if (up) return { created: false, ifindex, mode: "mock" as const };
      up = true;
      ifindex++;
      return { created: true, ifindex, mode: "mock" as const };
    },
    async dump(): Promise<Dump> {
      calls++;
      if (!up) throw new Error("interface is down");
      return { publicKey: "mock", listenPort: 51820, peers: new Map([...peers].map(([k, p]) => [k, { ...p }])) };
    },
    async apply(changes: PeerChanges) {
      if (!up) throw new Error("interface is down");
      const batches = buildSetArgs(iface, changes);
      for (const args of batches) setCalls.push(args);
      calls += batches.length;
      for (const key of changes.remove) peers.delete(key);
      for (const p of changes.upsert) {
        const have = peers.get(p.publicKey);
        if (have) have.allowedIps = [...p.allowedIps];
        else
          peers.set(p.publicKey, {
            publicKey: p.publicKey,
            endpoint: null,
            allowedIps: [...p.allowedIps],
            latestHandshake: 0,
            rx: 0n,
            tx: 0n,
          });
      }
      return batches.length;
    },
    onDown: (cb) => void downCallbacks.push(cb),
    calls: () => calls,
    traffic(publicKey, rx, tx) {
      const p = peers.get(publicKey);
      if (!p) throw new Error("no such peer");
      p.rx += rx;
      p.tx += tx;
      p.latestHandshake = now();
    },
    kill() {
      up = false;
      peers.clear();
      for (const cb of downCallbacks) cb();
    },
    inject(peer) {
      peers.set(peer.publicKey, { endpoint: null, allowedIps: [], latestHandshake: 0, rx: 0n, tx: 0n, ...peer });
    },
    async release() {},
    async destroy() {
      up = false;
      peers.clear();
    },
  };
}
