/**
 * Compiled execution: a document graphql-jit compiles answers exactly as graphql-js does
 * (values, nulls, errors with their paths), and one it cannot compile still answers, on the
 * default executor.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphQLScalarType } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";
import { compiledExecution } from "./compiledExecution.ts";

const schema = createSchema({
  typeDefs: `
    scalar Big
    type Item { id: Int! name: String big: Big! fails: String }
    type Query { items(first: Int = 2): [Item!]! echo(value: Big!): Big! }`,
  resolvers: {
    // A bigint as an input value: graphql-jit embeds literal arguments as JSON, which a bigint is not.
    Big: new GraphQLScalarType({
      name: "Big",
      serialize: (v) => String(v),
      parseValue: (v) => BigInt(v as string),
      parseLiteral: (ast) => BigInt((ast as { value: string }).value),
    }),
    Query: {
      items: (_: unknown, args: { first: number }) => {
        return Array.from({ length: args.first }, (_, i) => ({ id: i, name: i % 2 ? null : `n${i}`, big: 10n ** 30n }));
      },
      echo: (_: unknown, args: { value: bigint }) => args.value + 1n,
    },
    Item: {
      fails: (item: { id: number }) => {
        if (item.id === 1) throw new Error("item 1 fails");
        return "ok";
      },
    },
  },
});

const answer = async (withPlugin: boolean, query: string) => {
  const yoga = createYoga({
    schema,
    logging: false,
    maskedErrors: false,
    plugins: withPlugin ? [compiledExecution()] : [],
  });
  const res = await yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return res.text();
};

test("a compiled document answers byte for byte as graphql-js does", async () => {
  const query = `query Items($n: Int) { items(first: $n) { id name big } one: items(first: 1) { name } }`;
  assert.equal(await answer(true, query), await answer(false, query));
  assert.match(await answer(true, query), /"name":null/);
});

test("an answer with errors is graphql-js's, byte for byte", async () => {
  const query = `{ items(first: 3) { id name big fails } }`;
  const plain = await answer(false, query);
  const compiled = await answer(true, query);
  assert.equal(compiled, plain);
  assert.match(compiled, /"item 1 fails"/);
  assert.match(compiled, /"big":"1000000000000000000000000000000"/);
});

test("a document graphql-jit cannot compile runs on the default executor", async () => {
  const query = `{ echo(value: "41") }`;
  assert.equal(await answer(true, query), `{"data":{"echo":"42"}}`);
  assert.equal(await answer(true, query), await answer(false, query));
});
