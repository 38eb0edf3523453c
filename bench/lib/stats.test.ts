import assert from "node:assert/strict";
import { test } from "node:test";
import { analyseGrowth, classify, linearFit } from "./growth.ts";
import type { Series } from "./series.ts";
import { logLogSlope, median, medianInterval, summarize } from "./stats.ts";

test("median and summarize keep the spread and the run order", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3, values: [3, 1, 2] });
  assert.throws(() => summarize([]));
});

test("medianInterval picks order statistics with exact binomial confidence", () => {
  const ten = medianInterval([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.deepEqual([ten.low, ten.high], [2, 9]);
  assert.ok(Math.abs(ten.confidence - 0.978515625) < 1e-12);
  const three = medianInterval([3, 1, 2]);
  assert.deepEqual([three.low, three.high, three.confidence], [1, 3, 0.75]);
});

test("logLogSlope and classify read growth off the points", () => {
  assert.ok(Math.abs(logLogSlope([1, 10, 100].map((x) => ({ x, y: 5 * x })))! - 1) < 1e-12);
  assert.ok(Math.abs(logLogSlope([1, 10, 100].map((x) => ({ x, y: x * x })))! - 2) < 1e-12);
  assert.equal(logLogSlope([{ x: 5, y: 1 }]), undefined);
  assert.deepEqual([-0.5, 0, 0.5, 1, 1.5].map(classify), [
    "falling",
    "constant",
    "sub-linear",
    "linear",
    "super-linear",
  ]);
  const fit = linearFit([1, 2, 3].map((x) => ({ x, y: 10 + 2 * x })));
  assert.deepEqual([fit.a, fit.b, fit.r2], [10, 2, 1]);
});

test("analyseGrowth turns rates into costs and finds an affine cost", () => {
  const base = { x: { label: "n" }, y: { label: "v" }, source: "t" };
  const affine: Series = {
    ...base,
    id: "a",
    title: "affine",
    higherIsBetter: false,
    xIsWork: true,
    points: [1, 10, 100].map((x) => ({ group: "g", x, median: 100 + 10 * x })),
  };
  const [g] = analyseGrowth(affine);
  assert.equal(g!.growth, "sub-linear");
  assert.match(g!.sentence, /it fits \(R² 1\) 100 fixed \+ 10 per unit of x/);
  // A constant rate over growing work means total time grows linearly.
  const rate: Series = {
    ...base,
    id: "r",
    title: "rate",
    higherIsBetter: true,
    xIsWork: true,
    referenceGroups: ["ref"],
    points: [
      ...[1000, 10_000, 100_000].map((x) => ({ group: "g", x, median: 500 })),
      { group: "ref", x: 1, median: 1 },
    ],
  };
  const growth = analyseGrowth(rate);
  assert.equal(growth.length, 1, "reference groups are not classified");
  assert.equal(growth[0]!.growth, "linear");
  assert.equal(growth[0]!.exponent, 1);
});
