/**
 * Per-benchmark reading of result files: the series each one measured and a markdown section
 * with its headline figures. A sub-benchmark that publishes `series` in the shape of
 * {@link Series} is charted as is; the data-plane file is read field by field.
 */
import { indexerCauses } from "./indexerCauses.ts";
import { indexerSizesMarkdown, type IndexerSizes } from "./indexerSummary.ts";
import { num } from "./numbers.ts";
import { indexerSeries, type IndexerFigures } from "./indexerSeries.ts";
import type { Series, SeriesPoint } from "./series.ts";
import type { Summary } from "./stats.ts";

/** What the summary shows for one sub-benchmark. */
export interface Section {
  markdown: string;
  series: Series[];
}

/** Formats a median with its spread: "598 [505–744]". */
export function spread(s: Pick<Summary, "median" | "min" | "max">, digits = 3): string {
  const f = (v: number) => Number(v.toPrecision(digits)).toLocaleString("en-US");
  return `${f(s.median)} [${f(s.min)}–${f(s.max)}]`;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

function isPoint(p: unknown): p is SeriesPoint {
  const q = p as SeriesPoint;
  return !!q && typeof q.x === "number" && typeof q.median === "number";
}

/** The series of a result file that have the {@link Series} shape (others are ignored). */
export function seriesOf(name: string, result: unknown): Series[] {
  const list = (result as { series?: unknown }).series;
  if (!Array.isArray(list)) return [];
  return list
    .filter((s): s is Series => {
      const t = s as Series;
      return (
        !!t &&
        typeof t.id === "string" &&
        /^[a-z0-9-]+$/.test(t.id) &&
        typeof t.title === "string" &&
        Array.isArray(t.points) &&
        t.points.every(isPoint)
      );
    })
    .map((s) => ({
      ...s,
      x: { label: s.x?.label ?? "size" },
      y: { label: s.y?.label ?? "value" },
      higherIsBetter: !!s.higherIsBetter,
      xIsWork: !!s.xIsWork,
      points: s.points.map((p) => ({ ...p, group: p.group ?? s.title })),
      source: name,
    }));
}

interface DataplaneResult {
  status: string;
  quick: boolean;
  method: { runSeconds: number; rounds: number; peersMany: number };
  throughputMbps: Record<"noTunnel" | "tunnel1Peer" | "tunnelManyPeers", Summary>;
  ratios: {
    tunnelOverNoTunnel: { ofMedians: number; pairedByRound: Summary };
    tunnelManyPeersOverNoTunnel: number;
    manyPeersOver1Peer: { ofMedians: number; pairedByRound: Summary };
  };
  goal: {
    statement: string;
    peerCostPercent: number;
    ratioInterval: { low: number; high: number; confidence: number };
    verdict: string;
    roundsWithinGoal: number;
    rounds: number;
    noisePercent: number;
    providerCpuPerGiB: {
      pairedByRound: Summary;
      interval: { low: number; high: number; confidence: number };
      verdict: string;
    };
  };
  peerProvisioning: { peers: number; batchSize: number; addMs: Summary };
  cpu: Record<
    "tunnel1Peer" | "tunnelManyPeers",
    {
      providerWireguardGoCoreShare: Summary;
      clientWireguardGoCoreShare: Summary;
      providerWireguardGoCpuSecondsPerGiB: Summary;
    }
  >;
}

/** The data-plane section: throughput table, ratios, the peer-count goal and the CPU note. */
export function dataplaneSection(result: unknown): Section {
  const r = result as DataplaneResult;
  const t = r.throughputMbps;
  const n = r.method.peersMany;
  const lines = [
    `One TCP flow (iperf3), client → provider → internet namespaces; ${r.method.rounds} rounds of ` +
      `${r.method.runSeconds} s runs after a warm-up. Mbit/s: median [min–max].`,
    "",
    "| configuration | Mbit/s | vs no tunnel (same run) |",
    "|---|---:|---:|",
    `| no tunnel (same path) | ${spread(t.noTunnel)} | 100% |`,
    `| wireguard-go tunnel, 1 peer | ${spread(t.tunnel1Peer)} | ${pct(r.ratios.tunnelOverNoTunnel.ofMedians)} (paired ${spread(r.ratios.tunnelOverNoTunnel.pairedByRound)}) |`,
    `| wireguard-go tunnel, ${n} peers | ${spread(t.tunnelManyPeers)} | ${pct(r.ratios.tunnelManyPeersOverNoTunnel)} |`,
    "",
    `- Goal "${r.goal.statement}": **${r.goal.verdict}** on throughput — ${n} peers / 1 peer = ` +
      `${r.ratios.manyPeersOver1Peer.pairedByRound.median} (median of ${r.goal.rounds} per-round pairs; ` +
      `${Math.round(r.goal.ratioInterval.confidence * 100)}% interval ${r.goal.ratioInterval.low}–${r.goal.ratioInterval.high}), ` +
      (r.goal.peerCostPercent > 0
        ? `a cost of ${r.goal.peerCostPercent}%`
        : `no measurable cost (${n} peers ran ${-r.goal.peerCostPercent}% faster)`) +
      `; ${r.goal.roundsWithinGoal} of ${r.goal.rounds} rounds within 5%. ` +
      `**${r.goal.providerCpuPerGiB.verdict}** on CPU time — the provider's wireguard-go CPU-seconds per GiB, ` +
      `${n} peers / 1 peer: ${spread(r.goal.providerCpuPerGiB.pairedByRound)} per round ` +
      `(${Math.round(r.goal.providerCpuPerGiB.interval.confidence * 100)}% interval ` +
      `${r.goal.providerCpuPerGiB.interval.low}–${r.goal.providerCpuPerGiB.interval.high}); ` +
      `CPU time is what peers could cost, and the shared machine's load disturbs it less than throughput. ` +
      `"Inconclusive" means the run-to-run noise straddles the 5% line.`,
    `- CPU (single flow, 1 peer): the provider's wireguard-go used ${spread(r.cpu.tunnel1Peer.providerWireguardGoCoreShare, 2)} ` +
      `of a core and the client's ${spread(r.cpu.tunnel1Peer.clientWireguardGoCoreShare, 2)}; that is ` +
      `${spread(r.cpu.tunnel1Peer.providerWireguardGoCpuSecondsPerGiB)} CPU-seconds per GiB on the provider. ` +
      `The tunnel is CPU-bound in userspace (both ends, iperf3 and forwarding share the cores), ` +
      `so its ratio to the kernel-only path measures wireguard-go's cost, not the link.`,
    `- Provisioning ${r.peerProvisioning.peers} extra peers in batched \`wg set\` calls of ${r.peerProvisioning.batchSize} ` +
      `took ${spread(r.peerProvisioning.addMs)} ms.`,
  ];
  if (r.quick) lines.push("- Quick run: short runs and fewer peers; use a full run to judge the 5% goal.");
  return { markdown: lines.join("\n"), series: seriesOf("dataplane", result) };
}

type Rate = { median?: number; min?: number; max?: number; runs?: number };
/** A figure as a plain number or as a median with its spread. */
type Figure = number | { median?: number; min?: number; max?: number };
type Store = { eventsPerSecond?: Figure; ofRawRate?: Figure };
type Query = {
  p50Ms?: number;
  p99Ms?: number;
  requestsPerSecond?: number;
  errors?: number;
  throughputOfBaseline?: Figure;
};
interface IndexerResult {
  summaryMarkdown?: string;
  backfill?: { events?: number; blocks?: number; rawGetLogsEventsPerSecond?: Rate; notes?: string } & Record<
    string,
    unknown
  >;
  graphql?: {
    providersInDb?: number;
    sessionsInDb?: number;
    connections?: number;
    durationSeconds?: number;
    notes?: string;
  } & Record<string, unknown>;
}

/** "1,234" or "1,234 [1,100–1,300]" for a median with spread; `scale` 100 shows percent. */
function figure(v: Figure | undefined, scale = 1, unit = ""): string {
  if (typeof v === "number") return `${num(v * scale)}${unit}`;
  if (v && typeof v.median === "number") {
    const range =
      typeof v.min === "number" && typeof v.max === "number" ? ` [${num(v.min * scale)}–${num(v.max * scale)}]` : "";
    return `${num(v.median * scale)}${unit}${range}`;
  }
  return "–";
}

/**
 * The indexer section: backfill rates against raw eth_getLogs in the same run, and GraphQL
 * latency and throughput per query, at each size measured (older files: at one size). Reads what
 * is there; a field the file lacks shows as "–". The series are rebuilt from the figures with the
 * current causes (bench/lib/indexerSeries.ts, indexerCauses.ts): they describe the code, not a run.
 */
export function indexerSection(result: unknown): Section {
  const r = result as IndexerResult;
  const sized = result as IndexerSizes & IndexerFigures;
  if (Array.isArray(sized.backfill?.sizes) || Array.isArray(sized.graphql?.sizes))
    return { markdown: indexerSizesMarkdown(sized), series: indexerSeries(sized) };
  const series = seriesOf("indexer", result).map((s) => ({ ...s, causes: indexerCauses(s.id) ?? s.causes }));
  if (typeof r.summaryMarkdown === "string" && r.summaryMarkdown.trim())
    return { markdown: r.summaryMarkdown.trim(), series };
  const lines: string[] = [];
  const b = r.backfill;
  if (b) {
    const raw = b.rawGetLogsEventsPerSecond;
    lines.push(
      `Backfill of ${num(b.events, 6)} events${b.blocks ? ` in ${b.blocks} blocks` : ""}, from scratch to caught up:`,
      "",
      "| path | events/s | vs raw eth_getLogs (same run) |",
      "|---|---:|---:|",
      `| raw eth_getLogs (baseline) | ${figure(raw)} | 100% |`,
    );
    for (const [key, label] of [
      ["postgres", "indexer → PostgreSQL"],
      ["pglite", "indexer → PGlite"],
    ] as const) {
      const st = b[key] as Store | undefined;
      if (st) lines.push(`| ${label} | ${figure(st.eventsPerSecond)} | ${figure(st.ofRawRate, 100, "%")} |`);
    }
    if (b.notes) lines.push("", String(b.notes));
  }
  const g = r.graphql;
  if (g) {
    const queries = Object.entries(g).filter(
      (e): e is [string, Query] => typeof e[1] === "object" && e[1] !== null && "p50Ms" in e[1],
    );
    lines.push(
      "",
      `GraphQL with ${num(g.providersInDb, 6)} providers and ${num(g.sessionsInDb, 7)} sessions in the database` +
        `${g.connections ? `, ${g.connections} connections` : ""}${g.durationSeconds ? `, ${g.durationSeconds} s per query` : ""} (autocannon):`,
      "",
      "| query | p50 ms | p99 ms | requests/s | vs cheapest query (same run) | errors |",
      "|---|---:|---:|---:|---:|---:|",
      ...queries.map(
        ([k, q]) =>
          `| ${k} | ${num(q.p50Ms)} | ${num(q.p99Ms)} | ${num(q.requestsPerSecond)} | ` +
          `${q.throughputOfBaseline === undefined ? "–" : figure(q.throughputOfBaseline, 100, "%")} | ${num(q.errors)} |`,
      ),
    );
    if (g.notes) lines.push("", String(g.notes));
  }
  if (lines.length === 0) lines.push("Figures: `benchmarks.indexer.result` in the JSON.");
  return { markdown: lines.join("\n"), series };
}

/** A section for a result file this orchestrator has no specific reader for. */
export function genericSection(name: string, result: unknown): Section {
  const series = seriesOf(name, result);
  const md = (result as { summaryMarkdown?: unknown }).summaryMarkdown;
  const lines: string[] = [];
  if (typeof md === "string" && md.trim()) lines.push(md.trim());
  else lines.push(`Figures: \`benchmarks.${name}.result\` in the JSON.`);
  return { markdown: lines.join("\n"), series };
}
