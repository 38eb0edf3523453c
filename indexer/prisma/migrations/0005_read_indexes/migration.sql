-- CreateIndex
CREATE INDEX "providers_region_score_id_idx" ON "providers"("region", "score" DESC, "id" DESC);

-- Covering index for the uptime windows (SUM("coveredSeconds") of a provider's hours): an
-- index-only scan instead of one heap page per hourly bucket. Prisma's schema cannot say
-- INCLUDE, so this one is written by hand (schema.prisma notes it on ProviderHour).
CREATE INDEX "provider_hours_covered_idx" ON "provider_hours"("provider", "hour") INCLUDE ("coveredSeconds");
