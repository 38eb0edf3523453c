/**
 * One reconcile pass: read the interface once, meter every known peer from that read (so a
 * peer about to go has its final counters counted), apply the payment policy, then make the
 * interface's peers equal the desired set with batched `wg set` calls, and persist it all.
 */
import { endService, isLive, meteredUsage, type AgentContext } from "../context.ts";
import { counterDelta } from "../metering/counters.ts";
import { evaluateLag, lagToleranceOf } from "../payment/policy.ts";
import type { SessionRecord } from "../store/store.ts";
import type { PeerSpec } from "../wireguard/args.ts";
import type { Dump } from "../wireguard/dump.ts";
import { diffPeers } from "./diff.ts";

/** What a pass did. */
export interface ReconcileResult {
  peers: number;
  added: number;
  removed: number;
  wgCalls: number;
  cut: number;
  ms: number;
}

/** Runs one pass against `dump` (already read by the caller). */
export async function reconcileWith(ctx: AgentContext, dump: Dump): Promise<ReconcileResult> {
  const started = performance.now();
  const now = ctx.now();
  const { store, metrics, log } = ctx;
  const sessions = store.listPeered();
  const provisionedByKey = new Map<string, SessionRecord>();
  for (const s of sessions) if (s.provisioned && !provisionedByKey.has(s.wgKey)) provisionedByKey.set(s.wgKey, s);
  const dirty = new Set<SessionRecord>();

  // 1. Meter from this one dump.
  for (const s of provisionedByKey.values()) {
    const peer = dump.peers.get(s.wgKey);
    if (!peer) {
      // Gone behind our back (interface recreated, or removed by hand): re-added below from zero.
      s.provisioned = false;
      s.lastRx = 0n;
      s.lastTx = 0n;
      dirty.add(s);
      continue;
    }
    const d = counterDelta({ rx: s.lastRx, tx: s.lastTx }, peer);
    if (d.reset) {
      metrics.inc("dvpn_agent_counter_resets_total");
      log.warn(
        { sessionId: s.id.toString() },
        "peer counters went down (interface reset): counting the new value as the delta",
      );
    }
    if (d.bytes > 0n || d.reset || peer.latestHandshake !== s.lastHandshake) {
      s.meteredBytes += d.bytes;
      s.lastRx = peer.rx;
      s.lastTx = peer.tx;
      s.lastHandshake = peer.latestHandshake;
      metrics.inc("dvpn_agent_metered_bytes_total", undefined, Number(d.bytes));
      dirty.add(s);
    }
  }

  // 2. Payment policy: cut peers whose vouchers lag, whose deposit is spent, or whose client is gone.
  let cut = 0;
  const tolerance = lagToleranceOf(ctx.config);
  const live = new Set<string>();
  for (const s of sessions) {
    if (s.status !== "active" || !isLive(s)) continue;
    const id = s.id.toString();
    live.add(id);
    ctx.meterHistory.record(id, now, s.meteredBytes);
    const meteredBefore = ctx.meterHistory.readAt(id, now - (tolerance.graceSeconds ?? 0));
    const lastSeen = Math.max(s.lastHandshake, s.acceptedAt ?? now);
    const idle = ctx.config.idleTimeoutSeconds > 0 && now - lastSeen > ctx.config.idleTimeoutSeconds;
    const reason: string | null = idle
      ? "idle"
      : evaluateLag({
          metered: meteredUsage(s, now),
          signed: { bytes: s.voucherBytes, seconds: s.voucherSeconds },
          terms: { deposit: s.deposit, pricePerGiB: s.pricePerGiB, pricePerMinute: s.pricePerMinute },
          tolerance,
          ...(meteredBefore !== undefined ? { meteredBefore } : {}),
        });
    if (reason) {
      endService(ctx, s, { cutReason: reason });
      metrics.inc("dvpn_agent_cuts_total", { reason });
      log.warn(
        {
          sessionId: s.id.toString(),
          reason,
          meteredBytes: s.meteredBytes.toString(),
          voucherBytes: s.voucherBytes.toString(),
          ...(meteredBefore !== undefined ? { meteredBytesGraceAgo: meteredBefore.toString() } : {}),
        },
        "cutting peer",
      );
      dirty.add(s);
      cut++;
    }
  }
  ctx.meterHistory.retain(live);

  // 3. Diff and apply.
  const desired: PeerSpec[] = [];
  const liveByKey = new Map<string, SessionRecord>();
  for (const s of sessions) {
    if (!isLive(s) || liveByKey.has(s.wgKey)) continue;
    liveByKey.set(s.wgKey, s);
    desired.push({ publicKey: s.wgKey, allowedIps: s.allowedIps });
  }
  const changes = diffPeers(desired, dump);
  const unknown = changes.remove.filter((k) => !provisionedByKey.has(k));
  const restored = changes.upsert.filter((p) => {
    const s = liveByKey.get(p.publicKey);
    return s !== undefined && s.acceptedAt !== null;
  });
  let wgCalls = 0;
  if (changes.upsert.length + changes.remove.length > 0) wgCalls = await ctx.backend.apply(changes);
  if (unknown.length > 0) {
    metrics.inc("dvpn_agent_drift_corrections_total", undefined, unknown.length);
    log.warn({ count: unknown.length }, "removed peers this agent does not know");
  }
  if (restored.length > 0) {
    metrics.inc("dvpn_agent_drift_corrections_total", undefined, restored.length);
    log.warn({ count: restored.length }, "restored missing peers of live sessions");
  }

  // 4. Record what the interface now holds.
  for (const key of changes.remove) {
    const s = provisionedByKey.get(key);
    if (s) {
      s.provisioned = false;
      dirty.add(s);
    }
  }
  for (const s of provisionedByKey.values()) {
    // A key that moved from an ended session to a new one: the peer stayed, the old session is done.
    if (!isLive(s) && liveByKey.has(s.wgKey) && liveByKey.get(s.wgKey) !== s) {
      s.provisioned = false;
      dirty.add(s);
    }
  }
  for (const s of liveByKey.values()) {
    if (s.provisioned) continue;
    const peer = dump.peers.get(s.wgKey);
    const prior = provisionedByKey.get(s.wgKey);
    // The counters of a peer that already existed under another session start from where they are.
    s.lastRx = prior && prior !== s && peer ? peer.rx : 0n;
    s.lastTx = prior && prior !== s && peer ? peer.tx : 0n;
    s.provisioned = true;
    dirty.add(s);
  }
  store.transaction(() => {
    for (const s of dirty) store.put(s);
  });

  const ms = performance.now() - started;
  metrics.inc("dvpn_agent_reconciles_total");
  metrics.set("dvpn_agent_reconcile_seconds", ms / 1000);
  metrics.observe("dvpn_agent_reconcile_duration_seconds", ms / 1000);
  metrics.set("dvpn_agent_peers", desired.length);
  return { peers: desired.length, added: changes.upsert.length, removed: changes.remove.length, wgCalls, cut, ms };
}
