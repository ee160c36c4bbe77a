-- AlterTable
ALTER TABLE "PartnerApp" ADD COLUMN     "disabledAt" TIMESTAMP(3);
