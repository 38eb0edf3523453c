-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "providers" (
    "id" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "wgPublicKey" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "pricePerGiB" DECIMAL(78,0) NOT NULL,
    "pricePerMinute" DECIMAL(78,0) NOT NULL,
    "maxSessions" INTEGER NOT NULL,
    "activeSessions" INTEGER NOT NULL,
    "hasCapacity" BOOLEAN NOT NULL,
    "stake" DECIMAL(78,0) NOT NULL,
    "unbonding" DECIMAL(78,0) NOT NULL,
    "unbondingEnd" INTEGER NOT NULL,
    "paused" BOOLEAN NOT NULL,
    "registered" BOOLEAN NOT NULL,
    "registeredAt" INTEGER NOT NULL,
    "registeredBlock" INTEGER NOT NULL,
    "lastHeartbeat" INTEGER NOT NULL,
    "coveredUntil" INTEGER NOT NULL,
    "heartbeatCount" INTEGER NOT NULL,
    "sessionsOpened" INTEGER NOT NULL,
    "sessionsAccepted" INTEGER NOT NULL,
    "sessionsMissed" INTEGER NOT NULL,
    "sessionsPaid" INTEGER NOT NULL,
    "sessionsAcceptedPaid" INTEGER NOT NULL,
    "sessionsCompleted" INTEGER NOT NULL,
    "bytesServed" DECIMAL(78,0) NOT NULL,
    "secondsServed" DECIMAL(78,0) NOT NULL,
    "paidVolume" DECIMAL(78,0) NOT NULL,
    "feesPaid" DECIMAL(78,0) NOT NULL,
    "slashCount" INTEGER NOT NULL,
    "slashedAmount" DECIMAL(78,0) NOT NULL,
    "acceptHistogram" JSONB NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "scoreAt" INTEGER NOT NULL,
    "updatedBlock" INTEGER NOT NULL,

    CONSTRAINT "providers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" DECIMAL(78,0) NOT NULL,
    "provider" TEXT NOT NULL,
    "client" TEXT NOT NULL,
    "signer" TEXT NOT NULL,
    "wgPublicKey" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "outcome" TEXT,
    "deposit" DECIMAL(78,0) NOT NULL,
    "pricePerGiB" DECIMAL(78,0) NOT NULL,
    "pricePerMinute" DECIMAL(78,0) NOT NULL,
    "feeBps" INTEGER NOT NULL,
    "acceptDeadline" INTEGER NOT NULL,
    "openedAt" INTEGER NOT NULL,
    "openedBlock" INTEGER NOT NULL,
    "acceptedAt" INTEGER,
    "tunnelAddress" TEXT,
    "closedAt" INTEGER,
    "closedBy" TEXT,
    "settlementDeadline" INTEGER,
    "settledAt" INTEGER,
    "claimedBytes" DECIMAL(78,0) NOT NULL,
    "claimedSeconds" DECIMAL(78,0) NOT NULL,
    "paid" DECIMAL(78,0) NOT NULL,
    "fees" DECIMAL(78,0) NOT NULL,
    "refund" DECIMAL(78,0),
    "claimCount" INTEGER NOT NULL,
    "updatedAt" INTEGER NOT NULL,
    "updatedBlock" INTEGER NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "claims" (
    "id" TEXT NOT NULL,
    "blockNumber" INTEGER NOT NULL,
    "timestamp" INTEGER NOT NULL,
    "sessionId" DECIMAL(78,0) NOT NULL,
    "provider" TEXT NOT NULL,
    "totalBytes" DECIMAL(78,0) NOT NULL,
    "totalSeconds" DECIMAL(78,0) NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "fee" DECIMAL(78,0) NOT NULL,
    "totalPaid" DECIMAL(78,0) NOT NULL,

    CONSTRAINT "claims_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "heartbeats" (
    "id" TEXT NOT NULL,
    "blockNumber" INTEGER NOT NULL,
    "timestamp" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,

    CONSTRAINT "heartbeats_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slashes" (
    "id" TEXT NOT NULL,
    "blockNumber" INTEGER NOT NULL,
    "timestamp" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "beneficiary" TEXT NOT NULL,
    "stakeAfter" DECIMAL(78,0) NOT NULL,

    CONSTRAINT "slashes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "proposals" (
    "id" DECIMAL(78,0) NOT NULL,
    "proposer" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "targets" JSONB NOT NULL,
    "values" JSONB NOT NULL,
    "calldatas" JSONB NOT NULL,
    "voteStart" INTEGER NOT NULL,
    "voteEnd" INTEGER NOT NULL,
    "createdAt" INTEGER NOT NULL,
    "createdBlock" INTEGER NOT NULL,
    "forVotes" DECIMAL(78,0) NOT NULL,
    "againstVotes" DECIMAL(78,0) NOT NULL,
    "abstainVotes" DECIMAL(78,0) NOT NULL,
    "voteCount" INTEGER NOT NULL,
    "queuedAt" INTEGER,
    "eta" INTEGER,
    "executedAt" INTEGER,
    "canceledAt" INTEGER,
    "updatedBlock" INTEGER NOT NULL,

    CONSTRAINT "proposals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "votes" (
    "id" TEXT NOT NULL,
    "blockNumber" INTEGER NOT NULL,
    "timestamp" INTEGER NOT NULL,
    "proposalId" DECIMAL(78,0) NOT NULL,
    "voter" TEXT NOT NULL,
    "support" INTEGER NOT NULL,
    "weight" DECIMAL(78,0) NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "votes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "parameters" (
    "id" TEXT NOT NULL,
    "contract" TEXT NOT NULL,
    "value" DECIMAL(78,0) NOT NULL,
    "updatedAt" INTEGER NOT NULL,
    "updatedBlock" INTEGER NOT NULL,

    CONSTRAINT "parameters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_hours" (
    "provider" TEXT NOT NULL,
    "hour" INTEGER NOT NULL,
    "coveredSeconds" INTEGER NOT NULL,
    "heartbeats" INTEGER NOT NULL,
    "sessionsOpened" INTEGER NOT NULL,
    "bytes" DECIMAL(78,0) NOT NULL,
    "volume" DECIMAL(78,0) NOT NULL,

    CONSTRAINT "provider_hours_pkey" PRIMARY KEY ("provider","hour")
);

-- CreateTable
CREATE TABLE "region_hours" (
    "region" TEXT NOT NULL,
    "hour" INTEGER NOT NULL,
    "sessionsOpened" INTEGER NOT NULL,
    "sessionsSettled" INTEGER NOT NULL,
    "claims" INTEGER NOT NULL,
    "bytes" DECIMAL(78,0) NOT NULL,
    "volume" DECIMAL(78,0) NOT NULL,

    CONSTRAINT "region_hours_pkey" PRIMARY KEY ("region","hour")
);

-- CreateTable
CREATE TABLE "blocks" (
    "number" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "parentHash" TEXT NOT NULL,
    "timestamp" INTEGER NOT NULL,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("number")
);

-- CreateTable
CREATE TABLE "journal" (
    "id" BIGSERIAL NOT NULL,
    "blockNumber" INTEGER NOT NULL,
    "table" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "before" JSONB,

    CONSTRAINT "journal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkpoint" (
    "id" INTEGER NOT NULL,
    "chainId" INTEGER NOT NULL,
    "registry" TEXT NOT NULL,
    "blockNumber" INTEGER NOT NULL,
    "blockHash" TEXT NOT NULL,
    "blockTimestamp" INTEGER NOT NULL,
    "headNumber" INTEGER NOT NULL,
    "headTimestamp" INTEGER NOT NULL,
    "reorgs" INTEGER NOT NULL,

    CONSTRAINT "checkpoint_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "providers_region_idx" ON "providers"("region");

-- CreateIndex
CREATE INDEX "providers_stake_idx" ON "providers"("stake");

-- CreateIndex
CREATE INDEX "providers_score_idx" ON "providers"("score");

-- CreateIndex
CREATE INDEX "providers_pricePerGiB_idx" ON "providers"("pricePerGiB");

-- CreateIndex
CREATE INDEX "providers_lastHeartbeat_idx" ON "providers"("lastHeartbeat");

-- CreateIndex
CREATE INDEX "sessions_provider_id_idx" ON "sessions"("provider", "id");

-- CreateIndex
CREATE INDEX "sessions_client_id_idx" ON "sessions"("client", "id");

-- CreateIndex
CREATE INDEX "sessions_status_idx" ON "sessions"("status");

-- CreateIndex
CREATE INDEX "sessions_openedAt_idx" ON "sessions"("openedAt");

-- CreateIndex
CREATE INDEX "claims_blockNumber_idx" ON "claims"("blockNumber");

-- CreateIndex
CREATE INDEX "claims_sessionId_idx" ON "claims"("sessionId");

-- CreateIndex
CREATE INDEX "heartbeats_blockNumber_idx" ON "heartbeats"("blockNumber");

-- CreateIndex
CREATE INDEX "heartbeats_provider_timestamp_idx" ON "heartbeats"("provider", "timestamp");

-- CreateIndex
CREATE INDEX "slashes_blockNumber_idx" ON "slashes"("blockNumber");

-- CreateIndex
CREATE INDEX "slashes_provider_idx" ON "slashes"("provider");

-- CreateIndex
CREATE INDEX "proposals_createdAt_idx" ON "proposals"("createdAt");

-- CreateIndex
CREATE INDEX "votes_blockNumber_idx" ON "votes"("blockNumber");

-- CreateIndex
CREATE INDEX "votes_proposalId_idx" ON "votes"("proposalId");

-- CreateIndex
CREATE INDEX "provider_hours_hour_idx" ON "provider_hours"("hour");

-- CreateIndex
CREATE INDEX "region_hours_hour_idx" ON "region_hours"("hour");

-- CreateIndex
CREATE INDEX "journal_blockNumber_idx" ON "journal"("blockNumber");

