/** The live (SSE subscribers) and replica parts of the indexer's summary. */
import { num, spreadOf, type Spread } from "./numbers.ts";

/** The live part of an indexer result (bench/indexer/live.ts). */
export interface IndexerLive {
  pollIntervalMs: number;
  notes?: string;
  baseline: LiveRow | null;
  sizes: (LiveRow & { statementsOverBaseline?: number; p99OverBaselineP99?: number })[];
}
interface LiveRow {
  subscribers: number;
  connectSeconds: number;
  memoryPerSubscriberKiB: number | null;
  serverRssMiB: { before: number | null; listening: number | null };
  statementsPerSecond: number;
  deliveries: number;
  missing: number;
  latencyMs: Spread & { p99: number };
  /** CPU ms from a block's commit until every subscriber has its event (absent in older files). */
  cpuMsPerBlock?: { server: Spread | null; client: Spread };
}

/** The replica part of an indexer result (bench/indexer/replica.ts). */
export interface IndexerReplica {
  status: string;
  reason?: string;
  providers?: number;
  replicationLagMs?: Spread;
  subscriptionViaReplicaMs?: Spread;
  answersEqual?: boolean;
  queries?: Record<string, { replicaOverPrimary: Spread; replicaRequestsPerSecond: Spread; replicaP99Ms: Spread }>;
  notes?: string;
}

export function liveMarkdown(l: IndexerLive): string[] {
  const rows = [
    ...(l.baseline ? [{ ...l.baseline, baseline: true }] : []),
    ...l.sizes.map((s) => ({ ...s, baseline: false })),
  ];
  return [
    `Live updates: SSE subscribers on one read-only server (live poll every ${num(l.pollIntervalMs)} ms, and at once ` +
      `when the checkpoint's NOTIFY announces a block). ` +
      `Latency: from a block's commit to each subscriber's event, over every delivery.`,
    "",
    "| subscribers | connect s | server memory per subscriber | statements/s while listening | deliveries (missing) | latency p50 ms | p99 ms | CPU ms per block: server / client |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (s) =>
        `| ${num(s.subscribers, 6)}${s.baseline ? " (baseline)" : ""} | ${num(s.connectSeconds)} | ` +
        `${s.memoryPerSubscriberKiB === null ? "–" : `${num(s.memoryPerSubscriberKiB)} KiB`} | ${num(s.statementsPerSecond)} | ` +
        `${num(s.deliveries, 6)} (${s.missing}) | ${num(s.latencyMs.median)} | ${num(s.latencyMs.p99)} | ` +
        `${s.cpuMsPerBlock ? `${s.cpuMsPerBlock.server ? num(s.cpuMsPerBlock.server.median) : "–"} / ${num(s.cpuMsPerBlock.client.median)}` : "–"} |`,
    ),
    ...(l.notes ? ["", l.notes] : []),
  ];
}

export function replicaMarkdown(r: IndexerReplica): string[] {
  if (r.status !== "measured") return [`Streaming replica: not measured (${r.reason ?? r.status}).`];
  return [
    `Streaming replica (${num(r.providers, 6)} providers): a reader on the replica against a reader on the primary, ` +
      `same queries, interleaved rounds; answers equal: ${r.answersEqual ? "yes" : "NO"}. Replication lag ` +
      `${r.replicationLagMs ? spreadOf(r.replicationLagMs) : "–"} ms; a change committed on the primary reached a ` +
      `subscriber of the replica reader in ${r.subscriptionViaReplicaMs ? spreadOf(r.subscriptionViaReplicaMs) : "–"} ms.`,
    "",
    "| query | replica requests/s | replica ÷ primary (same round) | replica p99 ms |",
    "|---|---:|---:|---:|",
    ...Object.entries(r.queries ?? {}).map(
      ([k, q]) =>
        `| ${k} | ${spreadOf(q.replicaRequestsPerSecond)} | ${spreadOf(q.replicaOverPrimary)} | ${spreadOf(q.replicaP99Ms)} |`,
    ),
    ...(r.notes ? ["", r.notes] : []),
  ];
}
