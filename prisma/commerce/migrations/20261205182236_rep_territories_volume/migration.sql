-- AlterTable
ALTER TABLE "ProductVariant" ADD COLUMN     "volumeL" DECIMAL(10,3);

-- CreateTable
CREATE TABLE "RepTerritory" (
    "tenantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "territoryId" TEXT NOT NULL,
    "assignedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RepTerritory_pkey" PRIMARY KEY ("tenantId","userId","territoryId")
);

-- CreateIndex
CREATE INDEX "Customer_tenantId_territoryId_idx" ON "Customer"("tenantId", "territoryId");
