-- AlterTable
ALTER TABLE "providers" ADD COLUMN     "transport" TEXT NOT NULL DEFAULT 'none',
ADD COLUMN     "transportCertSha256" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "transportClientId" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "transportPort" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "providers_transport_idx" ON "providers"("transport");
