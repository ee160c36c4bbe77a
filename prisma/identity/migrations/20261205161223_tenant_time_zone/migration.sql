-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "timeZone" TEXT NOT NULL DEFAULT 'UTC';

-- Tenants created before time zones existed: the zone of their country where it has just one.
UPDATE "Tenant" SET "timeZone" = 'Africa/Lagos' WHERE "country" = 'NG';
UPDATE "Tenant" SET "timeZone" = 'Africa/Accra' WHERE "country" = 'GH';
