import assert from "node:assert/strict";
import { test } from "node:test";
import { analyseGrowth } from "./growth.ts";
import type { Series } from "./series.ts";

const base = { x: { label: "providers" }, y: { label: "ms" }, source: "t", higherIsBetter: false, xIsWork: false };

test("a cause given per growth class is appended only for the class measured", () => {
  const series: Series = {
    ...base,
    id: "c",
    title: "causes",
    points: [
      ...[1_000, 10_000, 100_000].map((x) => ({ group: "flat", x, median: 5, min: 4, max: 6 })),
      ...[1_000, 10_000, 100_000].map((x) => ({ group: "scan", x, median: x / 100, min: x / 110, max: x / 90 })),
    ],
    causes: {
      flat: { constant: "a primary-key lookup", linear: "never measured" },
      scan: { constant: "never measured", any: "a sequential scan over every row" },
    },
  };
  const [flat, scan] = analyseGrowth(series);
  assert.equal(flat!.growth, "constant");
  assert.match(flat!.sentence, /\. Why: a primary-key lookup\.$/);
  assert.doesNotMatch(flat!.sentence, /never measured/);
  assert.equal(scan!.growth, "linear");
  assert.match(scan!.sentence, /\. Why: a sequential scan over every row\.$/);
});

test("a string cause applies to any growth, and no cause leaves the sentence as it was", () => {
  const points = [10, 100, 1000].map((x) => ({ group: "g", x, median: 3 * x }));
  const plain = analyseGrowth({ ...base, id: "p", title: "plain", points })[0]!;
  const caused = analyseGrowth({
    ...base,
    id: "p",
    title: "plain",
    points,
    causes: { g: "each item costs the same" },
  })[0]!;
  assert.doesNotMatch(plain.sentence, /Why:/);
  assert.ok(plain.sentence.endsWith("."));
  assert.equal(caused.sentence, `${plain.sentence} Why: each item costs the same.`);
});
