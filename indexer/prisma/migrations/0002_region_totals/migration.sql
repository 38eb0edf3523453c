-- CreateTable
CREATE TABLE "region_totals" (
    "region" TEXT NOT NULL,
    "rows" INTEGER NOT NULL,
    "providers" INTEGER NOT NULL,
    "stake" DECIMAL(78,0) NOT NULL,
    "activeSessions" INTEGER NOT NULL,

    CONSTRAINT "region_totals_pkey" PRIMARY KEY ("region")
);

-- CreateTable
CREATE TABLE "region_beats" (
    "region" TEXT NOT NULL,
    "lastHeartbeat" INTEGER NOT NULL,
    "providers" INTEGER NOT NULL,

    CONSTRAINT "region_beats_pkey" PRIMARY KEY ("region","lastHeartbeat")
);

-- CreateIndex
CREATE INDEX "region_beats_lastHeartbeat_idx" ON "region_beats"("lastHeartbeat");


-- Totals of the providers indexed before this migration (the same statements as recountTotals).
INSERT INTO "region_totals" ("region", "rows", "providers", "stake", "activeSessions")
SELECT "region", COUNT(*)::int4, (COUNT(*) FILTER (WHERE "registered"))::int4,
  COALESCE(SUM("stake") FILTER (WHERE "registered"), 0), COALESCE(SUM("activeSessions"), 0)::int4
FROM "providers" GROUP BY "region";

INSERT INTO "region_beats" ("region", "lastHeartbeat", "providers")
SELECT "region", "lastHeartbeat", COUNT(*)::int4 FROM "providers"
WHERE "registered" AND NOT "paused" AND "hasCapacity"
  AND "stake" >= COALESCE((SELECT "value" FROM "parameters" WHERE "id" = 'minStake'), 0)
GROUP BY "region", "lastHeartbeat";
