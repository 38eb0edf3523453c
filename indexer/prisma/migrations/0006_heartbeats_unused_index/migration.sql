-- DropIndex: nothing reads heartbeats by provider (the feed reads the providers' rows and hourly
-- buckets), and every backfilled heartbeat row paid for it.
DROP INDEX "heartbeats_provider_timestamp_idx";
