/**
 * Writes indexer/schema.graphql: the feed's schema exactly as the server prints it.
 * Usage: bash scripts/run node indexer/scripts/print-schema.ts [--check]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { printFeedSchema } from "../src/graphql/printFeedSchema.ts";

const file = join(import.meta.dirname, "../schema.graphql");
const text = await printFeedSchema(file);
if (process.argv.includes("--check")) {
  if (readFileSync(file, "utf8") !== text) {
    console.error("indexer/schema.graphql is out of date: run node indexer/scripts/print-schema.ts");
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
  console.error(`wrote ${file}`);
}
