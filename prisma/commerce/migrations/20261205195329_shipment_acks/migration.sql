-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "shipmentCreatedAt" TIMESTAMP(3);

-- Orders confirmed before commerce recorded shipment.created count as having their shipment (their order.confirmed
-- was handled before; the reconciler watches orders confirmed from now on).
UPDATE "Order" SET "shipmentCreatedAt" = "updatedAt" WHERE "status" IN ('CONFIRMED', 'PACKED', 'DISPATCHED', 'DELIVERED');
