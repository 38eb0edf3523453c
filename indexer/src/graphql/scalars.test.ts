import assert from "node:assert/strict";
import { test } from "node:test";
import { Kind } from "graphql";
import { BigIntScalar } from "./scalars.ts";

test("BigInt literals keep every digit, as strings or integers", () => {
  const big = "100000000000000000000007"; // above 2^53
  assert.equal(BigIntScalar.parseLiteral({ kind: Kind.INT, value: big }), big);
  assert.equal(BigIntScalar.parseLiteral({ kind: Kind.STRING, value: `000${big}` }), big);
  assert.equal(BigIntScalar.parseLiteral({ kind: Kind.INT, value: "0" }), "0");
  assert.throws(() => BigIntScalar.parseLiteral({ kind: Kind.INT, value: "-1" }), /non-negative integer/);
  assert.throws(() => BigIntScalar.parseLiteral({ kind: Kind.INT, value: `1${"0".repeat(78)}` }), /below 2\^256/);
});
