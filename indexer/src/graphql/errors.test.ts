/** Error messages echo at most a short prefix of what the client sent. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createYoga } from "graphql-yoga";
import { MAX_MESSAGE_CHARS, badInput, boundMessage, boundedErrors } from "./errors.ts";
import { createFeedSchema } from "./createFeedSchema.ts";

describe("boundMessage", () => {
  test("normal messages are unchanged", () => {
    for (const m of [
      'Cannot query field "nope" on type "Query".',
      "first must be between 1 and 1000 (got 1001)",
      'id must be a 0x-prefixed 20-byte hex address (got "0x1234")',
      "invalid cursor: pass pageInfo.endCursor from a previous page unchanged",
      `Value "${"a".repeat(64)}" does not exist in "ProviderOrderBy" enum.`,
      "query is too expensive: estimated cost 1001000 exceeds the limit of 100000 (ask for smaller pages)",
    ]) {
      assert.equal(boundMessage(m), m);
    }
  });

  test("a long quoted value keeps 64 characters and says how long it was", () => {
    const m = boundMessage(`id must be a 0x-prefixed 20-byte hex address (got "${"A".repeat(100_000)}")`);
    assert.equal(m, `id must be a 0x-prefixed 20-byte hex address (got "${"A".repeat(63)}…" (100000 chars))`);
  });

  test("escaped quotes inside a value, long unquoted runs and many values are bounded", () => {
    const escaped = boundMessage(`found "${'\\"x'.repeat(1000)}"; Int cannot represent ${"9".repeat(5000)}`);
    assert.equal(
      escaped,
      `found "${'\\"x'.repeat(21)}…" (3000 chars); Int cannot represent ${"9".repeat(63)}… (5000 chars)`,
    );
    const list = boundMessage(`Expected value of type "Int", found [${Array(20_000).fill('"ab"').join(", ")}].`);
    assert.ok(list.length <= MAX_MESSAGE_CHARS + 40, `${list.length} chars`);
    assert.match(list, /^Expected value of type "Int", found \["ab", "ab"/);
    assert.match(list, /… \(message of \d+ chars\)$/);
  });

  test("never splits a surrogate pair and never ends on half an escape", () => {
    const emoji = boundMessage(`got "${"a".repeat(62)}${"😀".repeat(100)}"`);
    assert.equal(emoji, `got "${"a".repeat(62)}…" (262 chars)`);
    const backslash = boundMessage(`got "${"a".repeat(62)}\\n${"b".repeat(100)}"`);
    assert.equal(backslash, `got "${"a".repeat(62)}…" (164 chars)`);
  });

  test("bounding twice changes nothing", () => {
    const once = boundMessage(
      `Variable "$f" got invalid value "${"Q".repeat(5000)}"; Int cannot represent ${"9".repeat(5000)}`,
    );
    assert.equal(boundMessage(once), once);
  });

  test("a message of 4 MB is bounded", () => {
    const m = boundMessage(`got "${"x".repeat(2_000_000)}" and ${"y".repeat(2_000_000)}`);
    assert.ok(m.length < 200, m);
  });

  test("badInput bounds its message", () => {
    const e = badInput(`region must be an ISO 3166-1 alpha-2 code such as "DE" (got "${"Z".repeat(90_000)}")`);
    assert.equal(
      e.message,
      `region must be an ISO 3166-1 alpha-2 code such as "DE" (got "${"Z".repeat(63)}…" (90000 chars))`,
    );
    assert.equal(e.extensions.code, "BAD_USER_INPUT");
  });
});

describe("boundedErrors plugin", () => {
  const yoga = createYoga({
    schema: createFeedSchema(new AbortController().signal),
    plugins: [boundedErrors()],
    logging: false,
    batching: false,
  });
  const post = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await yoga.fetch("http://feed.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as { errors?: { message: string; locations?: unknown }[] } };
  };
  const big = "Q".repeat(100_000);

  test("graphql-js syntax, validation and variable messages echo a short prefix", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        `{ providers(orderBy: ${big}) { totalCount } }`,
        {},
        /^Value "Q{63}…" \(100000 chars\) does not exist in "ProviderOrderBy" enum\./,
      ],
      [
        `{ providers(orderBy: "${big}") { totalCount } }`,
        {},
        /^Enum "ProviderOrderBy" cannot represent non-enum value: "Q{63}…" \(100000 chars\)\./,
      ],
      [
        `{ providers(first: "${big}") { totalCount } }`,
        {},
        /^Int cannot represent non-integer value: "Q{63}…" \(100000 chars\)$/,
      ],
      [
        `{ providers(first: ${"9".repeat(100_000)}) { totalCount } }`,
        {},
        /^Int cannot represent non 32-bit signed integer value: 9{63}… \(100000 chars\)$/,
      ],
      [`{ ${big} }`, {}, /^Cannot query field "Q{63}…" \(100000 chars\) on type "Query"\.$/],
      [`{ providers( "${big}" }`, {}, /^Syntax Error: Expected Name, found String "Q{63}…" \(100000 chars\)\.$/],
      [
        "query($f: Int) { providers(first: $f) { totalCount } }",
        { f: big },
        /^Variable "\$f" got invalid value "Q{63}…" \(100000 chars\); Int cannot represent non-integer value: "Q{63}…" \(100000 chars\)$/,
      ],
      [
        `{ session(id: "${"9".repeat(100_000)}") { id } }`,
        {},
        /^BigInt must be a non-negative integer below 2\^256, as a decimal string \(got "9{63}…" \(100000 chars\)\)$/,
      ],
    ];
    for (const [query, variables, pattern] of cases) {
      const { body } = await post(query, variables);
      assert.equal(body.errors?.length, 1, JSON.stringify(body).slice(0, 300));
      const message = body.errors[0]!.message;
      assert.ok(message.length < 300, `${message.length} chars: ${message.slice(0, 300)}`);
      assert.match(message, pattern);
    }
  });

  test("the shortened errors keep their locations; the same query again (validation cached) gets the same answer", async () => {
    const query = `{ providers(orderBy: ${big}) { totalCount } }`;
    const first = await post(query);
    const second = await post(query);
    assert.deepEqual(second.body, first.body);
    assert.deepEqual(first.body.errors?.[0]?.locations, [{ line: 1, column: 22 }]);
  });

  test("errors that quote nothing long are unchanged", async () => {
    const { body } = await post("{ nope }");
    assert.deepEqual(
      body.errors?.map((e) => e.message),
      ['Cannot query field "nope" on type "Query".'],
    );
  });
});
