-- CreateEnum
CREATE TYPE "FinancingAgreementStatus" AS ENUM ('ACTIVE', 'REPAID', 'DEFAULTED');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "LedgerAccount" ADD VALUE 'FINANCED_RECEIVABLE';
ALTER TYPE "LedgerAccount" ADD VALUE 'FINANCED_DEFAULTED';
ALTER TYPE "LedgerAccount" ADD VALUE 'FINANCIER_PAYABLE';
ALTER TYPE "LedgerAccount" ADD VALUE 'PROVIDER_FEES';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "LedgerPostingKind" ADD VALUE 'FINANCING_DRAWN';
ALTER TYPE "LedgerPostingKind" ADD VALUE 'FINANCING_REPAID';
ALTER TYPE "LedgerPostingKind" ADD VALUE 'FINANCING_LATE_FEE';
ALTER TYPE "LedgerPostingKind" ADD VALUE 'FINANCING_DEFAULTED';
ALTER TYPE "LedgerPostingKind" ADD VALUE 'SETTLEMENT_FEE';

-- AlterEnum
ALTER TYPE "PaymentMethod" ADD VALUE 'FINANCING';

-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "deliveredAt" TIMESTAMP(3),
ADD COLUMN     "deliveryFailureReason" TEXT,
ADD COLUMN     "deliveryReportedAt" TIMESTAMP(3),
ADD COLUMN     "deliveryStatus" TEXT;

-- AlterTable
ALTER TABLE "SettlementLine" ADD COLUMN     "feePostedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "FinancingAgreement" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "invoiceId" TEXT NOT NULL,
    "offerId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "currency" "CurrencyCode" NOT NULL,
    "tenorDays" INTEGER NOT NULL,
    "principal" DECIMAL(19,4) NOT NULL,
    "feeRate" DECIMAL(9,6) NOT NULL,
    "fee" DECIMAL(19,4) NOT NULL,
    "lateFees" DECIMAL(19,4) NOT NULL DEFAULT 0,
    "repaid" DECIMAL(19,4) NOT NULL DEFAULT 0,
    "status" "FinancingAgreementStatus" NOT NULL DEFAULT 'ACTIVE',
    "paymentId" TEXT NOT NULL,
    "acceptedAt" TIMESTAMP(3) NOT NULL,
    "dueDate" TIMESTAMP(3) NOT NULL,
    "defaultedAt" TIMESTAMP(3),
    "repaidAt" TIMESTAMP(3),

    CONSTRAINT "FinancingAgreement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FinancingInstalment" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "agreementId" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "dueDate" TIMESTAMP(3) NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "lateFee" DECIMAL(19,4) NOT NULL DEFAULT 0,
    "paid" DECIMAL(19,4) NOT NULL DEFAULT 0,
    "paidAt" TIMESTAMP(3),

    CONSTRAINT "FinancingInstalment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FinancingRepayment" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "agreementId" TEXT NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "currency" "CurrencyCode" NOT NULL,
    "method" "PaymentMethod" NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FinancingRepayment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FinancingAgreement_tenantId_customerId_id_idx" ON "FinancingAgreement"("tenantId", "customerId", "id");

-- CreateIndex
CREATE INDEX "FinancingAgreement_status_idx" ON "FinancingAgreement"("status");

-- CreateIndex
CREATE UNIQUE INDEX "FinancingAgreement_tenantId_offerId_key" ON "FinancingAgreement"("tenantId", "offerId");

-- CreateIndex
CREATE UNIQUE INDEX "FinancingAgreement_tenantId_idempotencyKey_key" ON "FinancingAgreement"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "FinancingInstalment_agreementId_sequence_key" ON "FinancingInstalment"("agreementId", "sequence");

-- CreateIndex
CREATE INDEX "FinancingRepayment_agreementId_idx" ON "FinancingRepayment"("agreementId");

-- CreateIndex
CREATE UNIQUE INDEX "FinancingRepayment_tenantId_idempotencyKey_key" ON "FinancingRepayment"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "Notification_tenantId_providerMessageId_idx" ON "Notification"("tenantId", "providerMessageId");

-- AddForeignKey
ALTER TABLE "FinancingInstalment" ADD CONSTRAINT "FinancingInstalment_agreementId_fkey" FOREIGN KEY ("agreementId") REFERENCES "FinancingAgreement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinancingRepayment" ADD CONSTRAINT "FinancingRepayment_agreementId_fkey" FOREIGN KEY ("agreementId") REFERENCES "FinancingAgreement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
