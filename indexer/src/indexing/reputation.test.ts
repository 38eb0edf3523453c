import assert from "node:assert/strict";
import { test } from "node:test";
import { computeScore, histogramIndex, histogramMedian, uptime, WEIGHTS } from "./reputation.ts";

test("median of the accept-latency histogram", () => {
  assert.equal(histogramMedian({}), null);
  const hist: Record<string, number> = {};
  for (const s of [3, 1, 7, 2]) hist[histogramIndex(s)] = (hist[histogramIndex(s)] ?? 0) + 1;
  assert.equal(histogramMedian(hist), 2.5);
  assert.equal(histogramMedian({ [histogramIndex(125)]: 1 }), 150);
});

test("uptime: covered share of the window since registration", () => {
  const hour = 3600;
  const now = 100 * hour + 1800;
  // Registered 30 min ago and covered until 10 min from now: fully up.
  assert.equal(
    uptime({ now, hours: 24, registeredAt: now - 1800, coveredUntil: now + 600, coveredInWindow: 1800 + 600 }),
    1,
  );
  // Registered 1 h ago, covered for the first 15 min only.
  assert.equal(
    uptime({ now, hours: 24, registeredAt: now - hour, coveredUntil: now - 2700, coveredInWindow: 900 }),
    0.25,
  );
});

test("score: weights add up to 100, slashes subtract, inputs are clamped", () => {
  assert.equal(WEIGHTS.uptime + WEIGHTS.acceptance + WEIGHTS.speed + WEIGHTS.experience, 100);
  const perfect = computeScore({
    uptime7d: 1,
    sessionsAcceptedPaid: 1e6,
    sessionsMissed: 0,
    sessionsCompleted: 999,
    medianAcceptSeconds: 0,
    acceptTimeout: 300,
    slashCount: 0,
  });
  assert.ok(perfect.score > 99.9 && perfect.score <= 100, String(perfect.score));
  const fresh = computeScore({
    uptime7d: 0,
    sessionsAcceptedPaid: 0,
    sessionsMissed: 0,
    sessionsCompleted: 0,
    medianAcceptSeconds: null,
    acceptTimeout: 300,
    slashCount: 0,
  });
  assert.equal(fresh.score, 12.5 + 5);
  const slashed = computeScore({
    uptime7d: 1,
    sessionsAcceptedPaid: 0,
    sessionsMissed: 0,
    sessionsCompleted: 0,
    medianAcceptSeconds: null,
    acceptTimeout: 300,
    slashCount: 7,
  });
  assert.equal(slashed.slashPenalty, 50);
  assert.equal(slashed.score, 40 + 12.5 + 5 - 50);
});
