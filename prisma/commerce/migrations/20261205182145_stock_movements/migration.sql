-- CreateEnum
CREATE TYPE "StockMovementType" AS ENUM ('OPENING_BALANCE', 'RECEIPT', 'ADJUSTMENT', 'TRANSFER_OUT', 'TRANSFER_IN', 'COUNT_VARIANCE', 'SALE', 'CUSTOMER_RETURN', 'VAN_VARIANCE');

-- CreateEnum
CREATE TYPE "StockAdjustmentReason" AS ENUM ('DAMAGE', 'EXPIRY', 'THEFT', 'LOSS', 'SAMPLE', 'FOUND', 'CORRECTION');

-- CreateEnum
CREATE TYPE "PurchaseOrderStatus" AS ENUM ('OPEN', 'PARTIALLY_RECEIVED', 'RECEIVED');

-- CreateEnum
CREATE TYPE "CycleCountStatus" AS ENUM ('PENDING_APPROVAL', 'APPROVED', 'REJECTED');

-- AlterTable
ALTER TABLE "Location" ADD COLUMN     "operatorUserId" TEXT;

-- CreateTable
CREATE TABLE "StockMovement" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "seq" SERIAL NOT NULL,
    "type" "StockMovementType" NOT NULL,
    "locationId" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "reasonCode" "StockAdjustmentReason",
    "reference" TEXT,
    "orderId" TEXT,
    "goodsReceiptId" TEXT,
    "cycleCountId" TEXT,
    "transferId" TEXT,
    "vanReconciliationId" TEXT,
    "note" TEXT,
    "actorUserId" TEXT,
    "actorPartnerId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StockMovement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Supplier" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Supplier_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PurchaseOrder" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "supplierId" TEXT NOT NULL,
    "locationId" TEXT NOT NULL,
    "status" "PurchaseOrderStatus" NOT NULL,
    "createdByUserId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PurchaseOrder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PurchaseOrderLine" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "purchaseOrderId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "variantId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "orderedQuantity" INTEGER NOT NULL,
    "receivedQuantity" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "PurchaseOrderLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GoodsReceipt" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "purchaseOrderId" TEXT NOT NULL,
    "note" TEXT,
    "idempotencyKey" TEXT,
    "requestHash" TEXT,
    "actorUserId" TEXT,
    "actorPartnerId" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GoodsReceipt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CycleCount" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "locationId" TEXT NOT NULL,
    "status" "CycleCountStatus" NOT NULL,
    "note" TEXT,
    "countedByUserId" TEXT,
    "countedByPartnerId" TEXT,
    "countedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedByUserId" TEXT,
    "decidedAt" TIMESTAMP(3),
    "rejectionReason" TEXT,

    CONSTRAINT "CycleCount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CycleCountLine" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "cycleCountId" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "expectedQuantity" INTEGER NOT NULL,
    "countedQuantity" INTEGER NOT NULL,
    "variance" INTEGER NOT NULL,

    CONSTRAINT "CycleCountLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VanReconciliation" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "vanId" TEXT NOT NULL,
    "fromSeq" INTEGER NOT NULL,
    "toSeq" INTEGER NOT NULL,
    "totalVariance" INTEGER NOT NULL,
    "absoluteVariance" INTEGER NOT NULL,
    "note" TEXT,
    "reconciledByUserId" TEXT,
    "reconciledAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VanReconciliation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VanReconciliationLine" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "reconciliationId" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "opening" INTEGER NOT NULL,
    "loaded" INTEGER NOT NULL,
    "sold" INTEGER NOT NULL,
    "returned" INTEGER NOT NULL,
    "other" INTEGER NOT NULL,
    "expected" INTEGER NOT NULL,
    "counted" INTEGER NOT NULL,
    "variance" INTEGER NOT NULL,

    CONSTRAINT "VanReconciliationLine_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StockMovement_tenantId_locationId_seq_idx" ON "StockMovement"("tenantId", "locationId", "seq");

-- CreateIndex
CREATE INDEX "StockMovement_tenantId_variantId_locationId_idx" ON "StockMovement"("tenantId", "variantId", "locationId");

-- CreateIndex
CREATE INDEX "StockMovement_tenantId_orderId_idx" ON "StockMovement"("tenantId", "orderId");

-- CreateIndex
CREATE INDEX "StockMovement_tenantId_transferId_idx" ON "StockMovement"("tenantId", "transferId");

-- CreateIndex
CREATE UNIQUE INDEX "Supplier_tenantId_name_key" ON "Supplier"("tenantId", "name");

-- CreateIndex
CREATE INDEX "PurchaseOrder_tenantId_status_idx" ON "PurchaseOrder"("tenantId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "PurchaseOrder_tenantId_number_key" ON "PurchaseOrder"("tenantId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "PurchaseOrderLine_purchaseOrderId_variantId_key" ON "PurchaseOrderLine"("purchaseOrderId", "variantId");

-- CreateIndex
CREATE INDEX "GoodsReceipt_tenantId_purchaseOrderId_idx" ON "GoodsReceipt"("tenantId", "purchaseOrderId");

-- CreateIndex
CREATE UNIQUE INDEX "GoodsReceipt_tenantId_idempotencyKey_key" ON "GoodsReceipt"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "CycleCount_tenantId_status_idx" ON "CycleCount"("tenantId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "CycleCountLine_cycleCountId_variantId_key" ON "CycleCountLine"("cycleCountId", "variantId");

-- CreateIndex
CREATE INDEX "VanReconciliation_tenantId_vanId_reconciledAt_idx" ON "VanReconciliation"("tenantId", "vanId", "reconciledAt");

-- CreateIndex
CREATE UNIQUE INDEX "VanReconciliationLine_reconciliationId_variantId_key" ON "VanReconciliationLine"("reconciliationId", "variantId");

-- AddForeignKey
ALTER TABLE "PurchaseOrderLine" ADD CONSTRAINT "PurchaseOrderLine_purchaseOrderId_fkey" FOREIGN KEY ("purchaseOrderId") REFERENCES "PurchaseOrder"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CycleCountLine" ADD CONSTRAINT "CycleCountLine_cycleCountId_fkey" FOREIGN KEY ("cycleCountId") REFERENCES "CycleCount"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VanReconciliationLine" ADD CONSTRAINT "VanReconciliationLine_reconciliationId_fkey" FOREIGN KEY ("reconciliationId") REFERENCES "VanReconciliation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: the ledger is append-only, whatever code path writes it.
CREATE FUNCTION "StockMovement_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'StockMovement rows are immutable (%)', TG_OP;
END $$;
CREATE TRIGGER "StockMovement_no_update_or_delete" BEFORE UPDATE OR DELETE ON "StockMovement"
  FOR EACH ROW EXECUTE FUNCTION "StockMovement_append_only"();

-- Hand-written: stock that exists before the ledger becomes its opening balance, so on hand = sum of movements holds
-- for data seeded or written before this migration.
INSERT INTO "StockMovement" ("id", "tenantId", "type", "locationId", "variantId", "quantity", "reference", "createdAt")
SELECT 'smv_open_' || s."id", s."tenantId", 'OPENING_BALANCE', s."locationId", s."variantId", s."onHand", 'opening balance', s."updatedAt"
FROM "StockLevel" s
WHERE s."onHand" <> 0
ORDER BY s."tenantId", s."locationId", s."variantId";
