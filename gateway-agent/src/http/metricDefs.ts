/** Every metric of the agent: type, help text, label names (and histogram buckets). */

/** A metric's declaration. */
export interface MetricDef {
  type: "counter" | "gauge" | "histogram";
  help: string;
  labels?: string[];
  buckets?: number[];
}

/** The agent's metrics by name. */
export const METRIC_DEFS: Record<string, MetricDef> = {
  dvpn_agent_up: { type: "gauge", help: "1 while the agent runs" },
  dvpn_agent_mode: { type: "gauge", help: "Data plane in use (label mode: kernel, userspace, mock)", labels: ["mode"] },
  dvpn_agent_peers: { type: "gauge", help: "Peers on the interface after the last reconcile" },
  dvpn_agent_sessions: { type: "gauge", help: "Sessions in the local store by status", labels: ["status"] },
  dvpn_agent_metered_bytes_total: { type: "counter", help: "Bytes metered across all sessions (rx + tx)" },
  dvpn_agent_counter_resets_total: { type: "counter", help: "Peer counters seen going down (interface resets)" },
  dvpn_agent_drift_corrections_total: {
    type: "counter",
    help: "Peers added or removed because the interface drifted from the store",
  },
  dvpn_agent_reconciles_total: { type: "counter", help: "Reconcile passes" },
  dvpn_agent_reconcile_seconds: { type: "gauge", help: "Duration of the last reconcile pass" },
  dvpn_agent_reconcile_duration_seconds: {
    type: "histogram",
    help: "Duration of reconcile passes",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  dvpn_agent_wg_calls_total: { type: "counter", help: "wg/ip commands run" },
  dvpn_agent_interface_restores_total: {
    type: "counter",
    help: "Times the interface was recreated (wireguard-go died)",
  },
  dvpn_agent_chain_lag_blocks: { type: "gauge", help: "Head block minus the last processed block" },
  dvpn_agent_chain_block: { type: "gauge", help: "Last processed block" },
  dvpn_agent_chain_errors_total: { type: "counter", help: "Failed chain reads" },
  dvpn_agent_reorgs_total: {
    type: "counter",
    help: "Chain reorganisations deeper than the confirmation depth (rewinds)",
  },
  dvpn_agent_reorg_depth_blocks: { type: "gauge", help: "Depth of the last rewind (checkpoint minus ancestor)" },
  dvpn_agent_sessions_dropped_total: {
    type: "counter",
    help: "Sessions dropped because the chain no longer holds them as stored (label reason)",
    labels: ["reason"],
  },
  dvpn_agent_sessions_accepted_total: { type: "counter", help: "acceptSession transactions mined" },
  dvpn_agent_sessions_refused_total: { type: "counter", help: "Sessions refused (label reason)", labels: ["reason"] },
  dvpn_agent_sessions_rejected_total: {
    type: "counter",
    help: "Pending sessions rejected on chain, deposit refunded (label reason)",
    labels: ["reason"],
  },
  dvpn_agent_cuts_total: { type: "counter", help: "Peers cut (label reason)", labels: ["reason"] },
  dvpn_agent_vouchers_accepted_total: { type: "counter", help: "Vouchers stored" },
  dvpn_agent_vouchers_refused_total: { type: "counter", help: "Vouchers refused (label reason)", labels: ["reason"] },
  dvpn_agent_dns_queries_total: {
    type: "counter",
    help: "DNS queries on the gateway (label result: answered, refused, servfail, formerr)",
    labels: ["result"],
  },
  dvpn_agent_dns_up: { type: "gauge", help: "1 while the gateway's DNS forwarder serves" },
  dvpn_agent_claims_total: {
    type: "counter",
    help: "Claims mined (label kind: claim, closeWithVoucher)",
    labels: ["kind"],
  },
  dvpn_agent_claim_failures_total: { type: "counter", help: "Claims that reverted or failed" },
  dvpn_agent_claim_duration_seconds: {
    type: "histogram",
    help: "Time from sending a claim or close to its receipt",
    labels: ["kind"],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
  },
  dvpn_agent_earned_base_units_total: {
    type: "counter",
    help: "Value of the usage claimed on-chain, in payment-token base units (kind: gross, or net of the protocol fee)",
    labels: ["kind"],
  },
  dvpn_agent_claimed_bytes_total: { type: "counter", help: "Bytes claimed on-chain" },
  dvpn_agent_heartbeats_total: { type: "counter", help: "Registry heartbeats mined" },
  dvpn_agent_firewall_writes_total: {
    type: "counter",
    help: "Times the agent's nftables table was written (created, drifted, changed)",
  },
  dvpn_agent_firewall_errors_total: { type: "counter", help: "Failed checks of the agent's nftables table" },
};
