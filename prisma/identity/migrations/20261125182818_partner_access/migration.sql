-- CreateEnum
CREATE TYPE "PersistedQueryMode" AS ENUM ('ALLOW_ALL', 'LOG_UNKNOWN', 'ENFORCE', 'REQUIRE_ID');

-- CreateTable
CREATE TABLE "PartnerApp" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "persistedQueryMode" "PersistedQueryMode" NOT NULL DEFAULT 'ALLOW_ALL',
    "limits" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PartnerApp_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "partnerAppId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "roles" "Role"[],
    "scopes" TEXT[],
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PersistedOperation" (
    "partnerAppId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "name" TEXT,
    "type" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PersistedOperation_pkey" PRIMARY KEY ("partnerAppId","id")
);

-- CreateIndex
CREATE INDEX "PartnerApp_tenantId_idx" ON "PartnerApp"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "PartnerApp_tenantId_slug_key" ON "PartnerApp"("tenantId", "slug");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_secretHash_key" ON "ApiKey"("secretHash");

-- CreateIndex
CREATE INDEX "ApiKey_tenantId_idx" ON "ApiKey"("tenantId");

-- CreateIndex
CREATE INDEX "ApiKey_partnerAppId_idx" ON "ApiKey"("partnerAppId");

-- CreateIndex
CREATE INDEX "PersistedOperation_tenantId_idx" ON "PersistedOperation"("tenantId");

-- AddForeignKey
ALTER TABLE "PartnerApp" ADD CONSTRAINT "PartnerApp_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_partnerAppId_fkey" FOREIGN KEY ("partnerAppId") REFERENCES "PartnerApp"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PersistedOperation" ADD CONSTRAINT "PersistedOperation_partnerAppId_fkey" FOREIGN KEY ("partnerAppId") REFERENCES "PartnerApp"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
