-- CreateEnum
CREATE TYPE "PaymentRail" AS ENUM ('MPESA', 'MTN_MOMO', 'PAYSTACK');

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "nextPollAt" TIMESTAMP(3),
ADD COLUMN     "phone" TEXT,
ADD COLUMN     "polls" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "rail" "PaymentRail",
ADD COLUMN     "receipt" TEXT;

-- CreateTable
CREATE TABLE "PaymentProviderConfig" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "rail" "PaymentRail" NOT NULL,
    "baseUrl" TEXT NOT NULL,
    "currencies" "CurrencyCode"[],
    "credentials" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PaymentProviderConfig_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PaymentCallback" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "rail" "PaymentRail" NOT NULL,
    "reference" TEXT,
    "paymentId" TEXT,
    "outcome" "PaymentStatus" NOT NULL,
    "applied" BOOLEAN NOT NULL,
    "payload" JSONB NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PaymentCallback_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PaymentProviderConfig_tenantId_rail_key" ON "PaymentProviderConfig"("tenantId", "rail");

-- CreateIndex
CREATE INDEX "PaymentCallback_tenantId_rail_reference_idx" ON "PaymentCallback"("tenantId", "rail", "reference");

-- CreateIndex
CREATE INDEX "PaymentCallback_paymentId_idx" ON "PaymentCallback"("paymentId");

-- CreateIndex
CREATE INDEX "Payment_status_nextPollAt_idx" ON "Payment"("status", "nextPollAt");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_tenantId_provider_reference_key" ON "Payment"("tenantId", "provider", "reference");
