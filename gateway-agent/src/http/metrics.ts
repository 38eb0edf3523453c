/**
 * The agent's Prometheus metrics through prom-client: the process and Node.js runtime metrics
 * of the library's default collectors, the agent's own counters, gauges and histograms, and
 * per-peer WireGuard counters named as WireGuard exporters name them
 * (`wireguard_peer_receive_bytes_total`, `wireguard_peer_transmit_bytes_total`,
 * `wireguard_peer_last_handshake_seconds`, labels `device` and `public_key`, plus `session_id`),
 * read from the last reconcile's dump at scrape time. Callers name metrics by string; a
 * synchronous shadow of every value serves `get()` (tests, status views).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { METRIC_DEFS } from "./metricDefs.ts";

/** One peer's WireGuard counters as the last dump read them. */
export interface PeerSample {
  publicKey: string;
  sessionId: string;
  /** Bytes received from the peer (the client's upload). */
  rx: bigint;
  /** Bytes sent to the peer. */
  tx: bigint;
  /** Unix seconds of the last handshake (0: none). */
  latestHandshake: number;
}

/** The registry. */
export interface Metrics {
  inc(name: string, labels?: Record<string, string>, by?: number): void;
  set(name: string, value: number, labels?: Record<string, string>): void;
  /** Records one observation in a histogram. */
  observe(name: string, value: number, labels?: Record<string, string>): void;
  get(name: string, labels?: Record<string, string>): number;
  /** Where per-peer series come from (scrape time); undefined turns them off. */
  setPeerSource(device: string, source: (() => PeerSample[]) | undefined): void;
  /** The exposition text. */
  render(): Promise<string>;
  readonly contentType: string;
  readonly registry: Registry;
}

const key = (name: string, labels?: Record<string, string>) =>
  labels ? `${name}${JSON.stringify(Object.entries(labels).sort())}` : name;

/** Creates the registry with every agent metric, the default collectors and the per-peer series. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const shadow = new Map<string, number>();
  const counters = new Map<string, Counter>();
  const gauges = new Map<string, Gauge>();
  const histograms = new Map<string, Histogram>();
  for (const [name, def] of Object.entries(METRIC_DEFS)) {
    const common = { name, help: def.help, labelNames: def.labels ?? [], registers: [registry] };
    if (def.type === "counter") counters.set(name, new Counter(common));
    else if (def.type === "gauge") gauges.set(name, new Gauge(common));
    else histograms.set(name, new Histogram({ ...common, buckets: def.buckets ?? [] }));
  }

  let peerDevice = "";
  let peers: (() => PeerSample[]) | undefined;
  const peerLabels = ["device", "public_key", "session_id"];
  const perPeer = (name: string, help: string, pick: (p: PeerSample) => number, type: "counter" | "gauge") => {
    const collect = function (this: Counter | Gauge) {
      this.reset();
      for (const p of peers?.() ?? []) {
        const labels = { device: peerDevice, public_key: p.publicKey, session_id: p.sessionId };
        if (this instanceof Counter) this.inc(labels, pick(p));
        else this.set(labels, pick(p));
      }
    };
    const params = { name, help, labelNames: peerLabels, registers: [registry], collect };
    return type === "counter" ? new Counter(params) : new Gauge(params);
  };
  perPeer(
    "wireguard_peer_receive_bytes_total",
    "Bytes received from the peer (WireGuard counter)",
    (p) => Number(p.rx),
    "counter",
  );
  perPeer(
    "wireguard_peer_transmit_bytes_total",
    "Bytes sent to the peer (WireGuard counter)",
    (p) => Number(p.tx),
    "counter",
  );
  perPeer(
    "wireguard_peer_last_handshake_seconds",
    "Unix time of the peer's last handshake",
    (p) => p.latestHandshake,
    "gauge",
  );

  const unknown = (name: string): never => {
    throw new Error(`metric ${name} is not declared in metricDefs.ts`);
  };
  return {
    registry,
    contentType: registry.contentType,
    inc(name, labels, by = 1) {
      const c = counters.get(name) ?? unknown(name);
      if (by <= 0) return;
      if (labels) c.inc(labels, by);
      else c.inc(by);
      shadow.set(key(name, labels), (shadow.get(key(name, labels)) ?? 0) + by);
    },
    set(name, value, labels) {
      const g = gauges.get(name);
      if (g) {
        if (labels) g.set(labels, value);
        else g.set(value);
      } else {
        // A counter read from elsewhere (e.g. the backend's call count): move it up to `value`.
        const c = counters.get(name) ?? unknown(name);
        const d = value - (shadow.get(key(name, labels)) ?? 0);
        if (d > 0) {
          if (labels) c.inc(labels, d);
          else c.inc(d);
        }
      }
      shadow.set(key(name, labels), value);
    },
    observe(name, value, labels) {
      const h = histograms.get(name) ?? unknown(name);
      if (labels) h.observe(labels, value);
      else h.observe(value);
    },
    get: (name, labels) => shadow.get(key(name, labels)) ?? 0,
    setPeerSource(device, source) {
      peerDevice = device;
      peers = source;
    },
    render: () => registry.metrics(),
  };
}
