-- CreateEnum
CREATE TYPE "VehicleKind" AS ENUM ('MOTORBIKE', 'TRICYCLE', 'VAN', 'TRUCK');

-- CreateEnum
CREATE TYPE "ShipmentStatus" AS ENUM ('PENDING', 'ASSIGNED', 'IN_TRANSIT', 'DELIVERED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "StopKind" AS ENUM ('PICKUP', 'DROPOFF');

-- CreateTable
CREATE TABLE "Territory" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "centerLat" DOUBLE PRECISION NOT NULL,
    "centerLng" DOUBLE PRECISION NOT NULL,
    "radiusKm" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Territory_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Vehicle" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "plate" TEXT NOT NULL,
    "kind" "VehicleKind" NOT NULL,
    "capacityKg" INTEGER NOT NULL,
    "coldChain" BOOLEAN NOT NULL DEFAULT false,
    "territoryId" TEXT NOT NULL,
    "lastLat" DOUBLE PRECISION,
    "lastLng" DOUBLE PRECISION,
    "lastSpeedKph" DOUBLE PRECISION,
    "lastHeading" DOUBLE PRECISION,
    "lastTemperatureC" DOUBLE PRECISION,
    "lastRecordedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Vehicle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VehiclePosition" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "vehicleId" TEXT NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "lng" DOUBLE PRECISION NOT NULL,
    "speedKph" DOUBLE PRECISION NOT NULL,
    "heading" DOUBLE PRECISION,
    "temperatureC" DOUBLE PRECISION,
    "recordedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VehiclePosition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ColdChainAlert" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "vehicleId" TEXT NOT NULL,
    "shipmentId" TEXT,
    "temperatureC" DOUBLE PRECISION NOT NULL,
    "limitC" DOUBLE PRECISION NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "lng" DOUBLE PRECISION NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ColdChainAlert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shipment" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "status" "ShipmentStatus" NOT NULL,
    "territoryId" TEXT,
    "locationId" TEXT,
    "vehicleId" TEXT,
    "riderId" TEXT,
    "weightKg" DOUBLE PRECISION NOT NULL,
    "complexity" INTEGER NOT NULL,
    "eta" TIMESTAMP(3),
    "dispatchedAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "cancelledAt" TIMESTAMP(3),
    "podRecipientName" TEXT,
    "podSignatureRef" TEXT,
    "podPhotoRef" TEXT,
    "podLat" DOUBLE PRECISION,
    "podLng" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Shipment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShipmentStop" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "shipmentId" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "kind" "StopKind" NOT NULL,
    "locationId" TEXT,
    "lat" DOUBLE PRECISION,
    "lng" DOUBLE PRECISION,
    "address" TEXT,
    "arrivedAt" TIMESTAMP(3),

    CONSTRAINT "ShipmentStop_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxEvent" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "aggregateId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProcessedEvent" (
    "consumer" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "processedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("consumer","eventId")
);

-- CreateIndex
CREATE INDEX "Territory_tenantId_id_idx" ON "Territory"("tenantId", "id");

-- CreateIndex
CREATE INDEX "Vehicle_tenantId_id_idx" ON "Vehicle"("tenantId", "id");

-- CreateIndex
CREATE INDEX "Vehicle_tenantId_territoryId_id_idx" ON "Vehicle"("tenantId", "territoryId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Vehicle_tenantId_plate_key" ON "Vehicle"("tenantId", "plate");

-- CreateIndex
CREATE INDEX "VehiclePosition_tenantId_vehicleId_id_idx" ON "VehiclePosition"("tenantId", "vehicleId", "id");

-- CreateIndex
CREATE INDEX "ColdChainAlert_tenantId_vehicleId_id_idx" ON "ColdChainAlert"("tenantId", "vehicleId", "id");

-- CreateIndex
CREATE INDEX "Shipment_tenantId_id_idx" ON "Shipment"("tenantId", "id");

-- CreateIndex
CREATE INDEX "Shipment_tenantId_status_id_idx" ON "Shipment"("tenantId", "status", "id");

-- CreateIndex
CREATE INDEX "Shipment_tenantId_vehicleId_status_idx" ON "Shipment"("tenantId", "vehicleId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Shipment_tenantId_orderId_key" ON "Shipment"("tenantId", "orderId");

-- CreateIndex
CREATE INDEX "ShipmentStop_tenantId_shipmentId_idx" ON "ShipmentStop"("tenantId", "shipmentId");

-- CreateIndex
CREATE INDEX "ShipmentStop_tenantId_locationId_idx" ON "ShipmentStop"("tenantId", "locationId");

-- CreateIndex
CREATE UNIQUE INDEX "ShipmentStop_shipmentId_sequence_key" ON "ShipmentStop"("shipmentId", "sequence");

-- CreateIndex
CREATE INDEX "OutboxEvent_publishedAt_occurredAt_idx" ON "OutboxEvent"("publishedAt", "occurredAt");

-- AddForeignKey
ALTER TABLE "ShipmentStop" ADD CONSTRAINT "ShipmentStop_shipmentId_fkey" FOREIGN KEY ("shipmentId") REFERENCES "Shipment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
