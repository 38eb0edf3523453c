/**
 * A tiny Prometheus registry: counters, gauges and a latency histogram, rendered in the text
 * exposition format by `/metrics`. The progress log reads the same values: one truth.
 */
export interface Metrics {
  /** Adds `value` (default 1) to a counter. */
  inc(name: string, labels?: Record<string, string>, value?: number): void;
  /** Sets a gauge. */
  set(name: string, value: number, labels?: Record<string, string>): void;
  /** Records one observation (seconds) in a histogram. */
  observe(name: string, seconds: number, labels?: Record<string, string>): void;
  /** Current value of a counter or gauge (0 when unset). */
  get(name: string, labels?: Record<string, string>): number;
  /** Prometheus text exposition. */
  render(): string;
}

const HELP: Record<string, [type: "counter" | "gauge" | "histogram", help: string]> = {
  dvpn_indexer_indexed_block: ["gauge", "Last block written to the database"],
  dvpn_indexer_head_block: ["gauge", "Latest block seen on the chain"],
  dvpn_indexer_head_lag_blocks: ["gauge", "Chain head minus the last indexed block"],
  dvpn_indexer_caught_up: ["gauge", "1 once the indexer has reached the confirmed head"],
  dvpn_indexer_is_writer: ["gauge", "1 when this instance holds the writer lock"],
  dvpn_indexer_replica_lag_seconds: [
    "gauge",
    "Seconds the database this instance reads is behind its primary (streaming replica only)",
  ],
  dvpn_indexer_events_total: ["counter", "Events indexed"],
  dvpn_indexer_backfill_seconds_total: [
    "counter",
    "Seconds the backfill spent per stage (fetch, decode, apply, write; label stage)",
  ],
  dvpn_indexer_reorgs_total: ["counter", "Chain reorganisations rolled back"],
  dvpn_indexer_reorg_depth: ["gauge", "Depth (blocks) of the last reorg"],
  dvpn_indexer_rpc_requests_total: ["counter", "JSON-RPC requests made"],
  dvpn_indexer_rpc_errors_total: ["counter", "JSON-RPC requests that failed"],
  dvpn_indexer_log_range_blocks: ["gauge", "Current eth_getLogs range size"],
  dvpn_indexer_fetch_threads: [
    "gauge",
    "Backfill fetch threads running (PGlite: 1 from the start until the sync reaches the head, and during a later backfill)",
  ],
  dvpn_indexer_graphql_requests_total: ["counter", "GraphQL requests served"],
  dvpn_indexer_graphql_errors_total: ["counter", "GraphQL requests answered with errors"],
  dvpn_indexer_result_cache_total: [
    "counter",
    "Queries by outcome of the answer cache: hit (answered from it), miss (computed, kept), skip (not kept)",
  ],
  dvpn_indexer_sse_subscribers: ["gauge", "Subscriptions streaming over SSE (shared per document and variables)"],
  dvpn_indexer_http_request_duration_seconds: ["histogram", "HTTP request latency"],
};

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function key(name: string, labels?: Record<string, string>): string {
  if (!labels || Object.keys(labels).length === 0) return name;
  const parts = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`);
  return `${name}{${parts.join(",")}}`;
}

/** Creates an empty registry. */
export function createMetrics(): Metrics {
  const values = new Map<string, { name: string; value: number }>();
  const histograms = new Map<string, { name: string; labels: string; counts: number[]; sum: number; count: number }>();
  return {
    inc(name, labels, value = 1) {
      const k = key(name, labels);
      const v = values.get(k) ?? { name, value: 0 };
      v.value += value;
      values.set(k, v);
    },
    set(name, value, labels) {
      values.set(key(name, labels), { name, value });
    },
    get(name, labels) {
      return values.get(key(name, labels))?.value ?? 0;
    },
    observe(name, seconds, labels) {
      const k = key(name, labels);
      let h = histograms.get(k);
      if (!h) {
        const l = key("", labels);
        h = { name, labels: l.slice(1, -1), counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
        histograms.set(k, h);
      }
      BUCKETS.forEach((b, i) => {
        if (seconds <= b) h.counts[i]!++;
      });
      h.sum += seconds;
      h.count++;
    },
    render() {
      const lines: string[] = [];
      const described = new Set<string>();
      const describe = (name: string) => {
        if (described.has(name)) return;
        described.add(name);
        const [type, help] = HELP[name] ?? ["gauge", name];
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      };
      for (const [k, v] of [...values].sort(([a], [b]) => a.localeCompare(b))) {
        describe(v.name);
        lines.push(`${k} ${v.value}`);
      }
      for (const h of histograms.values()) {
        describe(h.name);
        const sep = h.labels ? "," : "";
        BUCKETS.forEach((b, i) => lines.push(`${h.name}_bucket{${h.labels}${sep}le="${b}"} ${h.counts[i]}`));
        lines.push(`${h.name}_bucket{${h.labels}${sep}le="+Inf"} ${h.count}`);
        lines.push(`${h.name}_sum${h.labels ? `{${h.labels}}` : ""} ${h.sum}`);
        lines.push(`${h.name}_count${h.labels ? `{${h.labels}}` : ""} ${h.count}`);
      }
      return lines.join("\n") + "\n";
    },
  };
}
