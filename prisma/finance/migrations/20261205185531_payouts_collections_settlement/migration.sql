-- CreateEnum
CREATE TYPE "PayoutStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "NotificationKind" AS ENUM ('DUNNING_REMINDER', 'PROMISE_FOLLOW_UP');

-- CreateEnum
CREATE TYPE "NotificationStatus" AS ENUM ('QUEUED', 'SENT', 'FAILED');

-- CreateEnum
CREATE TYPE "PromiseStatus" AS ENUM ('OPEN', 'KEPT', 'BROKEN');

-- CreateEnum
CREATE TYPE "SettlementLineKind" AS ENUM ('COLLECTION', 'PAYOUT');

-- CreateEnum
CREATE TYPE "SettlementLineStatus" AS ENUM ('MATCHED', 'AMOUNT_MISMATCH', 'STATUS_MISMATCH', 'UNMATCHED');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "LedgerAccount" ADD VALUE 'WORKER_PAYABLE';
ALTER TYPE "LedgerAccount" ADD VALUE 'WORKER_EARNINGS';
ALTER TYPE "LedgerAccount" ADD VALUE 'PAYOUTS_IN_TRANSIT';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "LedgerPostingKind" ADD VALUE 'WORKER_EARNING';
ALTER TYPE "LedgerPostingKind" ADD VALUE 'PAYOUT_REQUESTED';
ALTER TYPE "LedgerPostingKind" ADD VALUE 'PAYOUT_SUCCEEDED';
ALTER TYPE "LedgerPostingKind" ADD VALUE 'PAYOUT_FAILED';

-- AlterTable
ALTER TABLE "CreditLine" ADD COLUMN     "heldAt" TIMESTAMP(3),
ADD COLUMN     "holdReason" TEXT;

-- AlterTable
ALTER TABLE "LedgerEntry" ADD COLUMN     "workerId" TEXT;

-- AlterTable
ALTER TABLE "LedgerPosting" ADD COLUMN     "workerId" TEXT;

-- CreateTable
CREATE TABLE "Payout" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "withdrawalId" TEXT NOT NULL,
    "rail" "PaymentRail" NOT NULL,
    "phone" TEXT NOT NULL,
    "currency" "CurrencyCode" NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "status" "PayoutStatus" NOT NULL DEFAULT 'PENDING',
    "reference" TEXT,
    "receipt" TEXT,
    "failureReason" TEXT,
    "submittedAt" TIMESTAMP(3),
    "nextPollAt" TIMESTAMP(3),
    "polls" INTEGER NOT NULL DEFAULT 0,
    "settledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Payout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CollectionContact" (
    "tenantId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "territoryId" TEXT,

    CONSTRAINT "CollectionContact_pkey" PRIMARY KEY ("tenantId","customerId")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "kind" "NotificationKind" NOT NULL,
    "customerId" TEXT NOT NULL,
    "invoiceId" TEXT,
    "promiseId" TEXT,
    "stage" TEXT,
    "to" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" "NotificationStatus" NOT NULL DEFAULT 'QUEUED',
    "provider" TEXT,
    "providerMessageId" TEXT,
    "failureReason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "dedupeKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SmsProviderConfig" (
    "tenantId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "baseUrl" TEXT NOT NULL,
    "credentials" TEXT NOT NULL,
    "senderId" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SmsProviderConfig_pkey" PRIMARY KEY ("tenantId")
);

-- CreateTable
CREATE TABLE "PromiseToPay" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "invoiceId" TEXT,
    "currency" "CurrencyCode" NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "promisedFor" TIMESTAMP(3) NOT NULL,
    "status" "PromiseStatus" NOT NULL DEFAULT 'OPEN',
    "note" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "PromiseToPay_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SettlementReport" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "rail" "PaymentRail" NOT NULL,
    "reportDate" TIMESTAMP(3) NOT NULL,
    "fileName" TEXT NOT NULL,
    "checksum" TEXT NOT NULL,
    "currency" "CurrencyCode" NOT NULL,
    "lineCount" INTEGER NOT NULL,
    "matched" INTEGER NOT NULL,
    "mismatched" INTEGER NOT NULL,
    "unmatched" INTEGER NOT NULL,
    "feeTotal" DECIMAL(19,4) NOT NULL,
    "importedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SettlementReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SettlementLine" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "reportId" TEXT NOT NULL,
    "kind" "SettlementLineKind" NOT NULL,
    "reference" TEXT NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "fee" DECIMAL(19,4) NOT NULL DEFAULT 0,
    "currency" "CurrencyCode" NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "status" "SettlementLineStatus" NOT NULL,
    "paymentId" TEXT,
    "payoutId" TEXT,
    "raw" JSONB NOT NULL,

    CONSTRAINT "SettlementLine_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Payout_tenantId_workerId_id_idx" ON "Payout"("tenantId", "workerId", "id");

-- CreateIndex
CREATE INDEX "Payout_status_nextPollAt_idx" ON "Payout"("status", "nextPollAt");

-- CreateIndex
CREATE INDEX "Payout_tenantId_rail_reference_idx" ON "Payout"("tenantId", "rail", "reference");

-- CreateIndex
CREATE UNIQUE INDEX "Payout_tenantId_withdrawalId_key" ON "Payout"("tenantId", "withdrawalId");

-- CreateIndex
CREATE INDEX "CollectionContact_tenantId_territoryId_idx" ON "CollectionContact"("tenantId", "territoryId");

-- CreateIndex
CREATE INDEX "Notification_status_nextAttemptAt_idx" ON "Notification"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Notification_tenantId_customerId_id_idx" ON "Notification"("tenantId", "customerId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_tenantId_dedupeKey_key" ON "Notification"("tenantId", "dedupeKey");

-- CreateIndex
CREATE INDEX "PromiseToPay_tenantId_status_promisedFor_idx" ON "PromiseToPay"("tenantId", "status", "promisedFor");

-- CreateIndex
CREATE INDEX "PromiseToPay_tenantId_customerId_idx" ON "PromiseToPay"("tenantId", "customerId");

-- CreateIndex
CREATE UNIQUE INDEX "PromiseToPay_tenantId_idempotencyKey_key" ON "PromiseToPay"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "SettlementReport_tenantId_reportDate_idx" ON "SettlementReport"("tenantId", "reportDate");

-- CreateIndex
CREATE UNIQUE INDEX "SettlementReport_tenantId_rail_checksum_key" ON "SettlementReport"("tenantId", "rail", "checksum");

-- CreateIndex
CREATE INDEX "SettlementLine_reportId_idx" ON "SettlementLine"("reportId");

-- CreateIndex
CREATE INDEX "SettlementLine_tenantId_paymentId_idx" ON "SettlementLine"("tenantId", "paymentId");

-- CreateIndex
CREATE INDEX "SettlementLine_tenantId_payoutId_idx" ON "SettlementLine"("tenantId", "payoutId");

-- CreateIndex
CREATE INDEX "LedgerEntry_tenantId_workerId_idx" ON "LedgerEntry"("tenantId", "workerId");

-- AddForeignKey
ALTER TABLE "SettlementLine" ADD CONSTRAINT "SettlementLine_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "SettlementReport"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
