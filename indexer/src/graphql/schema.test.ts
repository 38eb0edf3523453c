import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { printFeedSchema } from "./printFeedSchema.ts";

test("indexer/schema.graphql is the schema the server serves", async () => {
  const file = join(import.meta.dirname, "../../schema.graphql");
  assert.equal(
    readFileSync(file, "utf8"),
    await printFeedSchema(file),
    "run: bash scripts/run node indexer/scripts/print-schema.ts",
  );
});
