import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { printFeedSchema } from "./printFeedSchema.ts";
import { fakeDeployment } from "../../../test/kit/fakeDeployment.ts";

test("indexer/schema.graphql is the schema the server serves", async () => {
  const file = join(import.meta.dirname, "../../schema.graphql");
  assert.equal(
    readFileSync(file, "utf8"),
    await printFeedSchema(file),
    "run: bash scripts/run node indexer/scripts/print-schema.ts",
  );
});

test("every SDK feed document is valid and within the server's default limits", async () => {
  const { parse, validate, specifiedRules } = await import("graphql");
  const { FEED_DOCUMENTS } = await import("../../../sdk/src/feed/documents.ts");
  const { createConfig } = await import("../config/createConfig.ts");
  const { createFeedSchema } = await import("./createFeedSchema.ts");
  const { limitsRule } = await import("./limits.ts");
  const config = createConfig({
    rpcUrl: "http://127.0.0.1:1",
    deployment: fakeDeployment(),
  });
  const schema = createFeedSchema();
  for (const [name, text] of Object.entries(FEED_DOCUMENTS)) {
    const errors = validate(schema, parse(text), [...specifiedRules, limitsRule(config)]);
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
      name,
    );
  }
  // A variable page size counts as the largest page: nested pages through variables are refused.
  const nested = parse(
    `query($a: Int, $b: Int) { providers(first: $a) { items { sessions(first: $b) { items { id } } } } }`,
  );
  assert.match(validate(schema, nested, [limitsRule(config)])[0]?.message ?? "", /too expensive/);
});
