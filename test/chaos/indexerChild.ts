/**
 * An indexer in its own process for the crash tests: `node indexerChild.ts '<json params>'`
 * starts `createIndexer(params)` and prints one JSON line `{"started": url}` once its database
 * and server are up, then `{"ready": true}` when caught up. It runs until killed.
 */
import { createIndexer, type IndexerParams } from "../../indexer/src/createIndexer.ts";

const params = JSON.parse(process.argv[2] ?? "{}") as IndexerParams;
const indexer = createIndexer(params);
await indexer.start();
process.stdout.write(JSON.stringify({ started: indexer.url }) + "\n");
await indexer.ready;
process.stdout.write(JSON.stringify({ ready: true }) + "\n");
