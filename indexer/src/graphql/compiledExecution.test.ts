/**
 * Compiled execution: a document is compiled when it runs again, and then answers exactly as
 * graphql-js does (values, nulls, errors with their paths); one graphql-jit cannot compile still
 * answers, on the default executor.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphQLScalarType, parse } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";
import { compilable, compiledExecution } from "./compiledExecution.ts";

/** Calls of the `items` resolver. */
let itemsCalls = 0;
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
        itemsCalls++;
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

/** The answer to `query`, asked `times` times of one server (each answer the same), and the items resolver's calls per request. */
const answer = async (withPlugin: boolean, query: string, times = 3) => {
  const yoga = createYoga({
    schema,
    logging: false,
    maskedErrors: false,
    plugins: withPlugin ? [compiledExecution()] : [],
  });
  const texts: string[] = [];
  const calls: number[] = [];
  for (let i = 0; i < times; i++) {
    const before = itemsCalls;
    const res = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    texts.push(await res.text());
    calls.push(itemsCalls - before);
  }
  for (const t of texts) assert.equal(t, texts[0]);
  return { text: texts[0]!, calls };
};

test("a compiled document answers byte for byte as graphql-js does", async () => {
  const query = `query Items($n: Int) { items(first: $n) { id name big } one: items(first: 1) { name } }`;
  const compiled = await answer(true, query);
  assert.equal(compiled.text, (await answer(false, query)).text);
  assert.match(compiled.text, /"name":null/);
});

test("an answer with errors is graphql-js's, byte for byte", async () => {
  const query = `{ items(first: 3) { id name big fails } }`;
  const plain = await answer(false, query);
  const compiled = await answer(true, query);
  assert.equal(compiled.text, plain.text);
  assert.match(compiled.text, /"item 1 fails"/);
  assert.match(compiled.text, /"big":"1000000000000000000000000000000"/);
  // The first run is graphql-js's; from the second on the compiled query runs, and its answer
  // with errors is given again by graphql-js: the resolver runs twice per request.
  assert.deepEqual(plain.calls, [1, 1, 1]);
  assert.deepEqual(compiled.calls, [1, 2, 2]);
});

test("a document graphql-jit cannot compile runs on the default executor", async () => {
  const query = `{ echo(value: "41") }`;
  assert.equal((await answer(true, query)).text, `{"data":{"echo":"42"}}`);
});

test("introspection and deeply nested documents are never compiled", () => {
  assert.equal(compilable(parse("{ items { id name big } }")), true);
  // Introspection is outside the depth and cost limits; compiling a deep one would block the server.
  assert.equal(compilable(parse('{ __type(name: "Item") { name } }')), false);
  assert.equal(compilable(parse("query Q { ...F } fragment F on Query { __schema { types { name } } }")), false);
  // n selection sets inside the root's and items': parsed only, never run.
  const nested = (n: number) => `{ items { ${"a { ".repeat(n)}id ${"} ".repeat(n)}} }`;
  assert.equal(compilable(parse(nested(20))), true);
  assert.equal(compilable(parse(nested(40))), false);
});
