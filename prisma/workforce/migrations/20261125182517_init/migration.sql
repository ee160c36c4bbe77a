-- CreateEnum
CREATE TYPE "CurrencyCode" AS ENUM ('NGN', 'GHS', 'KES', 'XOF', 'TZS', 'USD');

-- CreateEnum
CREATE TYPE "KycStatus" AS ENUM ('PENDING', 'VERIFIED', 'REJECTED');

-- CreateEnum
CREATE TYPE "TaskKind" AS ENUM ('DELIVERY', 'MERCHANDISING', 'FIELD_AUDIT', 'TRAINING');

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('OPEN', 'ASSIGNED', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "TaskPriority" AS ENUM ('STANDARD', 'PRIORITY', 'PREMIUM', 'VIP', 'LEADERSHIP');

-- CreateEnum
CREATE TYPE "BidStatus" AS ENUM ('PENDING', 'ACCEPTED', 'REJECTED');

-- CreateEnum
CREATE TYPE "LedgerEntryKind" AS ENUM ('TASK_EARNING', 'WITHDRAWAL');

-- CreateTable
CREATE TABLE "TenantSettings" (
    "tenantId" TEXT NOT NULL,
    "currency" "CurrencyCode" NOT NULL,
    "rewardBase" DECIMAL(19,4) NOT NULL,
    "rewardPerComplexity" DECIMAL(19,4) NOT NULL,

    CONSTRAINT "TenantSettings_pkey" PRIMARY KEY ("tenantId")
);

-- CreateTable
CREATE TABLE "Worker" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "userId" TEXT,
    "name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "kycStatus" "KycStatus" NOT NULL,
    "xp" INTEGER NOT NULL DEFAULT 0,
    "ratingSum" DECIMAL(12,4) NOT NULL DEFAULT 0,
    "ratingCount" INTEGER NOT NULL DEFAULT 0,
    "currency" "CurrencyCode" NOT NULL,
    "earned" DECIMAL(19,4) NOT NULL DEFAULT 0,
    "balance" DECIMAL(19,4) NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Worker_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "kind" "TaskKind" NOT NULL,
    "status" "TaskStatus" NOT NULL DEFAULT 'OPEN',
    "priority" "TaskPriority" NOT NULL DEFAULT 'STANDARD',
    "title" TEXT NOT NULL,
    "complexity" INTEGER NOT NULL,
    "reward" DECIMAL(19,4) NOT NULL,
    "currency" "CurrencyCode" NOT NULL,
    "assigneeId" TEXT,
    "shipmentId" TEXT,
    "orderId" TEXT,
    "xpAwarded" INTEGER,
    "completedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Bid" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "taskId" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "currency" "CurrencyCode" NOT NULL,
    "note" TEXT,
    "status" "BidStatus" NOT NULL DEFAULT 'PENDING',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Bid_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Rating" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "taskId" TEXT NOT NULL,
    "stars" INTEGER NOT NULL,
    "comment" TEXT,
    "xpAwarded" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Rating_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerEntry" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "kind" "LedgerEntryKind" NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "bonus" DECIMAL(19,4) NOT NULL DEFAULT 0,
    "bonusPercent" INTEGER NOT NULL DEFAULT 0,
    "currency" "CurrencyCode" NOT NULL,
    "balanceAfter" DECIMAL(19,4) NOT NULL,
    "taskId" TEXT,
    "idempotencyKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxEvent" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "aggregateId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProcessedEvent" (
    "consumer" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "processedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("consumer","eventId")
);

-- CreateIndex
CREATE INDEX "Worker_tenantId_xp_idx" ON "Worker"("tenantId", "xp");

-- CreateIndex
CREATE UNIQUE INDEX "Worker_tenantId_userId_key" ON "Worker"("tenantId", "userId");

-- CreateIndex
CREATE INDEX "Task_tenantId_status_priority_id_idx" ON "Task"("tenantId", "status", "priority", "id");

-- CreateIndex
CREATE INDEX "Task_tenantId_assigneeId_id_idx" ON "Task"("tenantId", "assigneeId", "id");

-- CreateIndex
CREATE INDEX "Task_tenantId_orderId_idx" ON "Task"("tenantId", "orderId");

-- CreateIndex
CREATE UNIQUE INDEX "Task_tenantId_shipmentId_key" ON "Task"("tenantId", "shipmentId");

-- CreateIndex
CREATE INDEX "Bid_tenantId_taskId_idx" ON "Bid"("tenantId", "taskId");

-- CreateIndex
CREATE UNIQUE INDEX "Bid_taskId_workerId_key" ON "Bid"("taskId", "workerId");

-- CreateIndex
CREATE INDEX "Rating_tenantId_workerId_idx" ON "Rating"("tenantId", "workerId");

-- CreateIndex
CREATE UNIQUE INDEX "Rating_tenantId_taskId_key" ON "Rating"("tenantId", "taskId");

-- CreateIndex
CREATE INDEX "LedgerEntry_tenantId_workerId_id_idx" ON "LedgerEntry"("tenantId", "workerId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEntry_tenantId_taskId_key" ON "LedgerEntry"("tenantId", "taskId");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEntry_tenantId_idempotencyKey_key" ON "LedgerEntry"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "OutboxEvent_publishedAt_occurredAt_idx" ON "OutboxEvent"("publishedAt", "occurredAt");

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "Worker"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bid" ADD CONSTRAINT "Bid_taskId_fkey" FOREIGN KEY ("taskId") REFERENCES "Task"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bid" ADD CONSTRAINT "Bid_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rating" ADD CONSTRAINT "Rating_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
