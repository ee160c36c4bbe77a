-- CreateEnum
CREATE TYPE "WalletOwnerType" AS ENUM ('CUSTOMER', 'WORKER');

-- CreateEnum
CREATE TYPE "WalletMovementKind" AS ENUM ('TOP_UP', 'INVOICE_PAYMENT', 'REFUND');

-- AlterEnum
ALTER TYPE "LedgerAccount" ADD VALUE 'WALLET';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "LedgerPostingKind" ADD VALUE 'WALLET_TOP_UP';
ALTER TYPE "LedgerPostingKind" ADD VALUE 'WALLET_REFUND';

-- AlterEnum
ALTER TYPE "PaymentMethod" ADD VALUE 'WALLET';

-- DropForeignKey
ALTER TABLE "Payment" DROP CONSTRAINT "Payment_invoiceId_fkey";

-- AlterTable
ALTER TABLE "LedgerEntry" ADD COLUMN     "walletId" TEXT;

-- AlterTable
ALTER TABLE "LedgerPosting" ADD COLUMN     "walletId" TEXT;

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "refunded" DECIMAL(19,4) NOT NULL DEFAULT 0,
ADD COLUMN     "walletId" TEXT,
ALTER COLUMN "invoiceId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "Wallet" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "ownerType" "WalletOwnerType" NOT NULL,
    "ownerId" TEXT NOT NULL,
    "currency" "CurrencyCode" NOT NULL,
    "balance" DECIMAL(19,4) NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Wallet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WalletMovement" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "walletId" TEXT NOT NULL,
    "kind" "WalletMovementKind" NOT NULL,
    "currency" "CurrencyCode" NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "balanceAfter" DECIMAL(19,4) NOT NULL,
    "paymentId" TEXT,
    "invoiceId" TEXT,
    "description" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WalletMovement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Wallet_tenantId_ownerType_ownerId_currency_key" ON "Wallet"("tenantId", "ownerType", "ownerId", "currency");

-- CreateIndex
CREATE INDEX "WalletMovement_walletId_id_idx" ON "WalletMovement"("walletId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "WalletMovement_tenantId_idempotencyKey_key" ON "WalletMovement"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "LedgerEntry_walletId_idx" ON "LedgerEntry"("walletId");

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_invoiceId_fkey" FOREIGN KEY ("invoiceId") REFERENCES "Invoice"("id") ON DELETE SET NULL ON UPDATE CASCADE;
