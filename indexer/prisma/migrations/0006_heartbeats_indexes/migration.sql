-- DropIndex: nothing reads heartbeats by provider (the feed reads the providers' rows and hourly
-- buckets), and every backfilled heartbeat row paid for it.
DROP INDEX "heartbeats_provider_timestamp_idx";

-- A rollback deletes the heartbeats above a block: rows are appended in block order, so a BRIN
-- index finds them at the end of the table and costs each insert far less than a B-tree.
DROP INDEX "heartbeats_blockNumber_idx";
CREATE INDEX "heartbeats_blockNumber_idx" ON "heartbeats" USING BRIN ("blockNumber");
