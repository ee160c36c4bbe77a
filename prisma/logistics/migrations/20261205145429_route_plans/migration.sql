-- CreateEnum
CREATE TYPE "RoutePlanStatus" AS ENUM ('PLANNED', 'DISPATCHED');

-- AlterTable
ALTER TABLE "Shipment" ADD COLUMN     "routeTripId" TEXT,
ADD COLUMN     "tempMaxC" DOUBLE PRECISION,
ADD COLUMN     "tempMinC" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "RoutePlan" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "locationId" TEXT NOT NULL,
    "depotLat" DOUBLE PRECISION NOT NULL,
    "depotLng" DOUBLE PRECISION NOT NULL,
    "depotAddress" TEXT,
    "date" TEXT NOT NULL,
    "status" "RoutePlanStatus" NOT NULL,
    "totalKm" DOUBLE PRECISION NOT NULL,
    "baselineKm" DOUBLE PRECISION NOT NULL,
    "distanceSource" TEXT NOT NULL,
    "timeLimitMs" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "unassigned" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatchedAt" TIMESTAMP(3),

    CONSTRAINT "RoutePlan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RouteTrip" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "vehicleId" TEXT NOT NULL,
    "km" DOUBLE PRECISION NOT NULL,
    "loadKg" DOUBLE PRECISION NOT NULL,
    "departAt" TIMESTAMP(3) NOT NULL,
    "returnAt" TIMESTAMP(3) NOT NULL,
    "stops" JSONB NOT NULL,

    CONSTRAINT "RouteTrip_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RoutePlan_tenantId_id_idx" ON "RoutePlan"("tenantId", "id");

-- CreateIndex
CREATE INDEX "RouteTrip_tenantId_planId_idx" ON "RouteTrip"("tenantId", "planId");

-- CreateIndex
CREATE UNIQUE INDEX "RouteTrip_planId_sequence_key" ON "RouteTrip"("planId", "sequence");

-- AddForeignKey
ALTER TABLE "RouteTrip" ADD CONSTRAINT "RouteTrip_planId_fkey" FOREIGN KEY ("planId") REFERENCES "RoutePlan"("id") ON DELETE CASCADE ON UPDATE CASCADE;
