-- Heartbeats are keyed by their log's place on the chain, (block, log index), instead of the
-- "txHash-logIndex" text: rows arrive in block order, so each insert appends at the right edge of
-- the key's B-tree, where the text key sent every insert to a random leaf. The key also serves a
-- rollback's delete above a block, so the BRIN index on the block goes. Nothing read the id.
ALTER TABLE "heartbeats" ADD COLUMN "logIndex" INTEGER;
UPDATE "heartbeats" SET "logIndex" = split_part("id", '-', 2)::integer;
ALTER TABLE "heartbeats" ALTER COLUMN "logIndex" SET NOT NULL;
ALTER TABLE "heartbeats" DROP CONSTRAINT "heartbeats_pkey";
ALTER TABLE "heartbeats" DROP COLUMN "id";
ALTER TABLE "heartbeats" ADD CONSTRAINT "heartbeats_pkey" PRIMARY KEY ("blockNumber", "logIndex");
DROP INDEX "heartbeats_blockNumber_idx";
