-- CreateTable
CREATE TABLE "OrderGate" (
    "tenantId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "cancelledAt" TIMESTAMP(3),

    CONSTRAINT "OrderGate_pkey" PRIMARY KEY ("tenantId","orderId")
);
