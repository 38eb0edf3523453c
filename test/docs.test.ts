/** The GraphQL examples in the docs stay valid against the committed schema. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, parse, validate } from "graphql";

const root = join(import.meta.dirname, "..");
const schema = buildSchema(readFileSync(join(root, "indexer/schema.graphql"), "utf8"));

for (const file of ["docs/graphql.md", "README.md"]) {
  test(`GraphQL examples in ${file} validate against indexer/schema.graphql`, () => {
    const blocks = [...readFileSync(join(root, file), "utf8").matchAll(/```graphql\n([\s\S]*?)```/g)];
    if (file === "docs/graphql.md") assert.ok(blocks.length >= 4, "the explorer page lost its examples");
    for (const [, query] of blocks) {
      assert.deepEqual(
        validate(schema, parse(query!)).map((e) => e.message),
        [],
        query,
      );
    }
  });
}
