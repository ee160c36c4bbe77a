-- AlterTable
ALTER TABLE "Shipment" ADD COLUMN     "invoiceIssuedAt" TIMESTAMP(3),
ADD COLUMN     "taskCreditedAt" TIMESTAMP(3);

-- Deliveries made before finance and workforce acknowledged them count as acknowledged: the reconcilers watch
-- only deliveries from now on.
UPDATE "Shipment" SET "invoiceIssuedAt" = "deliveredAt", "taskCreditedAt" = "deliveredAt" WHERE "status" = 'DELIVERED';
