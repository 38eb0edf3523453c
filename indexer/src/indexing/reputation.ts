/**
 * Reputation formula (version in FORMULA_VERSION, documented in indexer/README.md). Pure
 * functions over the per-provider rollups; only paid sessions (paid > 0) count.
 */
export const FORMULA_VERSION = "1";

/** Points of each component (sum 100). */
export const WEIGHTS = { uptime: 40, acceptance: 25, speed: 10, experience: 25 } as const;
/** Points taken per slash, at most {@link MAX_SLASH_PENALTY}. */
export const SLASH_PENALTY = 10;
export const MAX_SLASH_PENALTY = 50;

/**
 * A session its client cancelled at least this many seconds after opening it counts as a missed
 * acceptance; one withdrawn sooner (the client may withdraw a pending session at any time)
 * counts neither way: the provider had no fair chance to accept yet. A provider that does accept
 * in time cannot be charged a miss at all (the cancel then reverts).
 */
export const MISSED_ACCEPT_AFTER_SECONDS = 30;

export const HOUR = 3600;
export const hourOf = (t: number) => Math.floor(t / HOUR) * HOUR;

/** First bucket hour of a window of `hours` hourly buckets ending with the current one. */
export function windowStart(now: number, hours: number): number {
  return hourOf(now) - (hours - 1) * HOUR;
}

/**
 * Uptime over the window: seconds covered by a fresh heartbeat in the window's buckets (minus
 * coverage that lies after `now`), divided by the seconds of the window since registration.
 */
export function uptime(params: {
  now: number;
  hours: number;
  registeredAt: number;
  coveredUntil: number;
  coveredInWindow: number;
}): number {
  const { now, hours, registeredAt, coveredUntil } = params;
  const from = Math.max(windowStart(now, hours), registeredAt);
  const future = Math.max(0, Math.min(coveredUntil, hourOf(now) + HOUR) - now);
  const covered = params.coveredInWindow - future;
  const span = now - from;
  if (span <= 0) return coveredUntil >= now ? 1 : 0;
  return clamp01(covered / span);
}

/** Accept-latency histogram: exact seconds below a minute, then minutes up to an hour. */
export function histogramIndex(seconds: number): number {
  if (seconds < 60) return Math.max(0, seconds);
  return Math.min(119, 60 + Math.floor((seconds - 60) / 60));
}

function bucketValue(index: number): number {
  if (index < 60) return index;
  if (index < 119) return 60 + (index - 60) * 60 + 30;
  return 3660;
}

/** Median of a histogram ({index: count}); null when empty. */
export function histogramMedian(hist: Record<string, number>): number | null {
  const entries = Object.entries(hist)
    .map(([k, v]) => [Number(k), v] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  if (total === 0) return null;
  const at = (rank: number) => {
    let seen = 0;
    for (const [k, v] of entries) {
      seen += v;
      if (rank < seen) return bucketValue(k);
    }
    return bucketValue(entries.at(-1)![0]);
  };
  return (at(Math.floor((total - 1) / 2)) + at(Math.floor(total / 2))) / 2;
}

export interface ScoreInput {
  uptime7d: number;
  sessionsAcceptedPaid: number;
  sessionsMissed: number;
  sessionsCompleted: number;
  medianAcceptSeconds: number | null;
  acceptTimeout: number;
  slashCount: number;
}

export interface ScoreBreakdown {
  formulaVersion: string;
  uptime: number;
  uptimePoints: number;
  acceptance: number;
  acceptancePoints: number;
  speed: number;
  speedPoints: number;
  experience: number;
  experiencePoints: number;
  slashPenalty: number;
  score: number;
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The score (0-100) and each of its parts. */
export function computeScore(input: ScoreInput): ScoreBreakdown {
  const uptimeC = clamp01(input.uptime7d);
  const acceptance = (input.sessionsAcceptedPaid + 1) / (input.sessionsAcceptedPaid + input.sessionsMissed + 2);
  const speed =
    input.medianAcceptSeconds === null
      ? 0.5
      : clamp01(1 - input.medianAcceptSeconds / Math.max(1, input.acceptTimeout));
  const experience = clamp01(Math.log10(1 + input.sessionsCompleted) / 3);
  const slashPenalty = Math.min(MAX_SLASH_PENALTY, SLASH_PENALTY * input.slashCount);
  const parts = {
    uptimePoints: WEIGHTS.uptime * uptimeC,
    acceptancePoints: WEIGHTS.acceptance * acceptance,
    speedPoints: WEIGHTS.speed * speed,
    experiencePoints: WEIGHTS.experience * experience,
  };
  const total = parts.uptimePoints + parts.acceptancePoints + parts.speedPoints + parts.experiencePoints;
  return {
    formulaVersion: FORMULA_VERSION,
    uptime: round(uptimeC),
    uptimePoints: round(parts.uptimePoints),
    acceptance: round(acceptance),
    acceptancePoints: round(parts.acceptancePoints),
    speed: round(speed),
    speedPoints: round(parts.speedPoints),
    experience: round(experience),
    experiencePoints: round(parts.experiencePoints),
    slashPenalty,
    score: round(Math.max(0, total - slashPenalty)),
  };
}
