/**
 * The agent's data plane pass: the WireGuard interface (created or adopted, restored when it
 * died: a new interface has no peers and counters from zero), the nftables table, and one
 * reconcile of the peers against the store.
 */
import type { AgentContext } from "../context.ts";
import type { Firewall } from "../firewall/nftables.ts";
import type { Dump } from "../../../sdk/src/wireguard/dump.ts";
import { reconcileWith, type ReconcileResult } from "./reconcile.ts";

/** Parameters of {@link createDataPlane}. */
export interface DataPlaneParams {
  ctx: AgentContext;
  /** The nftables owner (none with a mock data plane). */
  firewall: Firewall | undefined;
  /** First sight of each SessionOpened by session id; a pass stamps when its peer appeared. */
  timings: Map<string, { seen: number; peer?: number; accepted?: number }>;
}

/** The data plane of one agent. */
export interface DataPlane {
  /** Creates or adopts the interface (`reason` is logged) and checks the table; at start a table failure throws. */
  ensureInterface(reason: string): Promise<void>;
  /** One reconcile pass (restoring an unreadable interface first). */
  reconcileOnce(): Promise<ReconcileResult>;
  /** Restores the interface through `serial` whenever the backend says it died, while `running()`. */
  watch(serial: <T>(fn: () => Promise<T>) => Promise<T>, running: () => boolean): void;
  /** Whether the interface was up at the last look. */
  interfaceUp(): boolean;
  /** The last `wg show dump` read (per-peer metrics). */
  lastDump(): Dump | undefined;
}

/** Creates the data plane pass of an agent. */
export function createDataPlane({ ctx, firewall, timings }: DataPlaneParams): DataPlane {
  const { backend, store, metrics, log } = ctx;
  let interfaceUp = false;
  let restoring = false;
  let lastDump: Dump | undefined;

  async function ensureInterface(reason: string): Promise<void> {
    const state = await backend.ensureInterface();
    const known = store.getMeta("ifindex");
    if (state.created || (known !== undefined && known !== String(state.ifindex))) {
      // A new interface: every peer is gone and every counter starts from zero.
      store.transaction(() => {
        for (const s of store.listPeered()) {
          if (!s.provisioned) continue;
          s.provisioned = false;
          s.lastRx = 0n;
          s.lastTx = 0n;
          store.put(s);
        }
      });
      if (known !== undefined) metrics.inc("dvpn_agent_interface_restores_total");
    }
    store.setMeta("ifindex", String(state.ifindex));
    interfaceUp = true;
    await ensureFirewall(reason === "start");
    metrics.set("dvpn_agent_mode", 1, { mode: state.mode });
    log.info({ iface: backend.iface, mode: state.mode, created: state.created, reason }, "interface ready");
  }

  /** Checks (and repairs) the nftables table; a failure stops the start, later ones are logged and counted. */
  async function ensureFirewall(fatal: boolean): Promise<void> {
    if (!firewall) return;
    try {
      if (await firewall.ensure()) metrics.inc("dvpn_agent_firewall_writes_total");
    } catch (err) {
      if (fatal) throw err;
      metrics.inc("dvpn_agent_firewall_errors_total");
      log.error({ err: (err as Error).message }, "could not check the nftables table; retrying next pass");
    }
  }

  async function reconcileOnce(): Promise<ReconcileResult> {
    let dump;
    try {
      dump = await backend.dump();
    } catch (err) {
      interfaceUp = false;
      log.warn({ err: (err as Error).message }, "interface unreadable; restoring it");
      await ensureInterface("restore");
      dump = await backend.dump();
    }
    const result = await reconcileWith(ctx, dump);
    lastDump = dump;
    // The table is reconciled like the peers: one listing per pass, rewritten only on drift.
    await ensureFirewall(false);
    const t = performance.now();
    for (const [id, v] of timings) {
      if (v.peer === undefined && store.get(BigInt(id))?.provisioned) v.peer = t;
    }
    metrics.set("dvpn_agent_wg_calls_total", backend.calls());
    return result;
  }

  function watch(serial: <T>(fn: () => Promise<T>) => Promise<T>, running: () => boolean): void {
    backend.onDown(() => {
      if (!running() || restoring) return;
      restoring = true;
      interfaceUp = false;
      void serial(async () => {
        try {
          await ensureInterface("data plane died");
          await reconcileOnce();
        } finally {
          restoring = false;
        }
      }).catch((err: unknown) => log.error({ err: (err as Error).message }, "could not restore the interface"));
    });
  }

  return {
    ensureInterface,
    reconcileOnce,
    watch,
    interfaceUp: () => interfaceUp,
    lastDump: () => lastDump,
  };
}
