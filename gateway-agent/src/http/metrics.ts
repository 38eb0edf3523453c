/**
 * A small Prometheus registry (counters and gauges with labels) rendered as text format 0.0.4.
 * The same numbers feed `/metrics` and the agent's `status()`.
 */

/** The registry. */
export interface Metrics {
  inc(name: string, labels?: Record<string, string>, by?: number): void;
  set(name: string, value: number, labels?: Record<string, string>): void;
  get(name: string, labels?: Record<string, string>): number;
  render(): string;
}

const HELP: Record<string, [type: "counter" | "gauge", help: string]> = {
  dvpn_agent_up: ["gauge", "1 while the agent runs"],
  dvpn_agent_mode: ["gauge", "Data plane in use (label mode: kernel, userspace, mock)"],
  dvpn_agent_peers: ["gauge", "Peers on the interface after the last reconcile"],
  dvpn_agent_sessions: ["gauge", "Sessions in the local store by status"],
  dvpn_agent_metered_bytes_total: ["counter", "Bytes metered across all sessions (rx + tx)"],
  dvpn_agent_counter_resets_total: ["counter", "Peer counters seen going down (interface resets)"],
  dvpn_agent_drift_corrections_total: [
    "counter",
    "Peers added or removed because the interface drifted from the store",
  ],
  dvpn_agent_reconciles_total: ["counter", "Reconcile passes"],
  dvpn_agent_reconcile_seconds: ["gauge", "Duration of the last reconcile pass"],
  dvpn_agent_wg_calls_total: ["counter", "wg/ip commands run"],
  dvpn_agent_interface_restores_total: ["counter", "Times the interface was recreated (wireguard-go died)"],
  dvpn_agent_chain_lag_blocks: ["gauge", "Head block minus the last processed block"],
  dvpn_agent_chain_block: ["gauge", "Last processed block"],
  dvpn_agent_chain_errors_total: ["counter", "Failed chain reads"],
  dvpn_agent_reorgs_total: ["counter", "Chain reorganisations deeper than the confirmation depth (rewinds)"],
  dvpn_agent_reorg_depth_blocks: ["gauge", "Depth of the last rewind (checkpoint minus ancestor)"],
  dvpn_agent_sessions_dropped_total: [
    "counter",
    "Sessions dropped because the chain no longer holds them as stored (label reason)",
  ],
  dvpn_agent_sessions_accepted_total: ["counter", "acceptSession transactions mined"],
  dvpn_agent_sessions_refused_total: ["counter", "Sessions refused (label reason)"],
  dvpn_agent_cuts_total: ["counter", "Peers cut (label reason)"],
  dvpn_agent_vouchers_accepted_total: ["counter", "Vouchers stored"],
  dvpn_agent_vouchers_refused_total: ["counter", "Vouchers refused (label reason)"],
  dvpn_agent_claims_total: ["counter", "Claims mined (label kind: claim, closeWithVoucher)"],
  dvpn_agent_claim_failures_total: ["counter", "Claims that reverted or failed"],
  dvpn_agent_heartbeats_total: ["counter", "Registry heartbeats mined"],
  dvpn_agent_firewall_writes_total: [
    "counter",
    "Times the agent's nftables table was written (created, drifted, changed)",
  ],
  dvpn_agent_firewall_errors_total: ["counter", "Failed checks of the agent's nftables table"],
};

function labelKey(labels?: Record<string, string>): string {
  if (!labels) return "";
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** Creates an empty registry. */
export function createMetrics(): Metrics {
  const values = new Map<string, Map<string, number>>();
  const series = (name: string) => {
    let m = values.get(name);
    if (!m) values.set(name, (m = new Map()));
    return m;
  };
  return {
    inc(name, labels, by = 1) {
      const m = series(name);
      const k = labelKey(labels);
      m.set(k, (m.get(k) ?? 0) + by);
    },
    set(name, value, labels) {
      series(name).set(labelKey(labels), value);
    },
    get: (name, labels) => values.get(name)?.get(labelKey(labels)) ?? 0,
    render() {
      const out: string[] = [];
      for (const [name, [type, help]] of Object.entries(HELP)) {
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        const m = values.get(name);
        if (!m || m.size === 0) {
          if (type === "counter" || name === "dvpn_agent_peers") out.push(`${name} 0`);
          continue;
        }
        for (const [k, v] of m) out.push(`${name}${k} ${v}`);
      }
      return out.join("\n") + "\n";
    },
  };
}
