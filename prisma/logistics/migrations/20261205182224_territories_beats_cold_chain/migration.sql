-- CreateEnum
CREATE TYPE "TerritoryKind" AS ENUM ('REGION', 'AREA', 'TERRITORY');

-- CreateEnum
CREATE TYPE "VisitStatus" AS ENUM ('PLANNED', 'CHECKED_IN', 'COMPLETED');

-- AlterTable
ALTER TABLE "ColdChainAlert" ADD COLUMN     "acknowledgeNote" TEXT,
ADD COLUMN     "acknowledgedAt" TIMESTAMP(3),
ADD COLUMN     "acknowledgedBy" TEXT,
ADD COLUMN     "endedAt" TIMESTAMP(3),
ADD COLUMN     "escalatedAt" TIMESTAMP(3),
ADD COLUMN     "lastReadingAt" TIMESTAMP(3),
ADD COLUMN     "maxReadingC" DOUBLE PRECISION,
ADD COLUMN     "minReadingC" DOUBLE PRECISION,
ADD COLUMN     "rangeMinC" DOUBLE PRECISION,
ADD COLUMN     "readings" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "Shipment" ADD COLUMN     "customerId" TEXT,
ADD COLUMN     "volumeM3" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "Territory" ADD COLUMN     "boundary" JSONB,
ADD COLUMN     "kind" "TerritoryKind" NOT NULL DEFAULT 'TERRITORY',
ADD COLUMN     "parentId" TEXT;

-- AlterTable
ALTER TABLE "Vehicle" ADD COLUMN     "capacityM3" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "RepTerritory" (
    "tenantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "territoryId" TEXT NOT NULL,
    "assignedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RepTerritory_pkey" PRIMARY KEY ("tenantId","userId","territoryId")
);

-- CreateTable
CREATE TABLE "CustomerSite" (
    "tenantId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "lat" DOUBLE PRECISION,
    "lng" DOUBLE PRECISION,
    "territoryId" TEXT,
    "territoryOverride" BOOLEAN NOT NULL DEFAULT false,
    "windowStartMin" INTEGER,
    "windowEndMin" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomerSite_pkey" PRIMARY KEY ("tenantId","customerId")
);

-- CreateTable
CREATE TABLE "BeatPlan" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "repUserId" TEXT NOT NULL,
    "weekStart" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BeatPlan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Visit" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "planId" TEXT,
    "repUserId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "territoryId" TEXT,
    "plannedDate" TEXT,
    "status" "VisitStatus" NOT NULL,
    "checkInAt" TIMESTAMP(3),
    "checkInLat" DOUBLE PRECISION,
    "checkInLng" DOUBLE PRECISION,
    "checkInDistanceM" DOUBLE PRECISION,
    "checkOutAt" TIMESTAMP(3),
    "checkOutLat" DOUBLE PRECISION,
    "checkOutLng" DOUBLE PRECISION,
    "orderId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Visit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RepTerritory_tenantId_territoryId_idx" ON "RepTerritory"("tenantId", "territoryId");

-- CreateIndex
CREATE INDEX "CustomerSite_tenantId_territoryId_idx" ON "CustomerSite"("tenantId", "territoryId");

-- CreateIndex
CREATE INDEX "BeatPlan_tenantId_id_idx" ON "BeatPlan"("tenantId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "BeatPlan_tenantId_repUserId_weekStart_key" ON "BeatPlan"("tenantId", "repUserId", "weekStart");

-- CreateIndex
CREATE INDEX "Visit_tenantId_repUserId_status_idx" ON "Visit"("tenantId", "repUserId", "status");

-- CreateIndex
CREATE INDEX "Visit_tenantId_customerId_status_idx" ON "Visit"("tenantId", "customerId", "status");

-- CreateIndex
CREATE INDEX "Visit_tenantId_planId_idx" ON "Visit"("tenantId", "planId");

-- CreateIndex
CREATE INDEX "Visit_tenantId_checkInAt_idx" ON "Visit"("tenantId", "checkInAt");

-- CreateIndex
CREATE INDEX "ColdChainAlert_acknowledgedAt_escalatedAt_recordedAt_idx" ON "ColdChainAlert"("acknowledgedAt", "escalatedAt", "recordedAt");

-- CreateIndex
CREATE INDEX "Territory_tenantId_kind_id_idx" ON "Territory"("tenantId", "kind", "id");

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_planId_fkey" FOREIGN KEY ("planId") REFERENCES "BeatPlan"("id") ON DELETE CASCADE ON UPDATE CASCADE;
