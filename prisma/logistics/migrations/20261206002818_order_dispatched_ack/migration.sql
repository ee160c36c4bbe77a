-- AlterTable
ALTER TABLE "Shipment" ADD COLUMN     "orderDispatchedAt" TIMESTAMP(3);

-- Shipments already on the road or delivered left under the old rule (no acknowledgement): they stay deliverable.
UPDATE "Shipment" SET "orderDispatchedAt" = "dispatchedAt" WHERE "status" IN ('IN_TRANSIT', 'DELIVERED');
