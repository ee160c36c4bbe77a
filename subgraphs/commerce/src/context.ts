import type { InternalContext, Viewer } from '@omniroute/core';
import type { PrismaClient } from './generated/prisma/client.ts';
import { CatalogService } from './modules/catalog/catalog.service.ts';
import { createCatalogLoaders } from './modules/catalog/catalog.loaders.ts';
import { CustomerService } from './modules/customers/customers.service.ts';
import { createCustomerLoaders } from './modules/customers/customers.loaders.ts';
import { InventoryService } from './modules/inventory/inventory.service.ts';
import { createInventoryLoaders } from './modules/inventory/inventory.loaders.ts';
import { OrderService } from './modules/orders/orders.service.ts';
import { createOrderLoaders } from './modules/orders/orders.loaders.ts';
import { PricingService } from './modules/pricing/pricing.service.ts';
import { LiveService } from './modules/live/live.service.ts';
import { KpiService } from './modules/kpis/kpis.service.ts';
import { StockMovementService } from './modules/stock-movements/stock-movements.service.ts';
import { PurchasingService } from './modules/stock-movements/purchasing.service.ts';
import { CycleCountService } from './modules/stock-movements/cycle-counts.service.ts';
import { createStockLoaders } from './modules/stock-movements/stock-movements.loaders.ts';
import { VanStockService } from './modules/van-stock/van-stock.service.ts';
import type { LiveEventSource } from '@omniroute/core';

export interface CommerceServices {
  catalog: CatalogService;
  customers: CustomerService;
  inventory: InventoryService;
  pricing: PricingService;
  orders: OrderService;
  live: LiveService;
  kpis: KpiService;
  stockMovements: StockMovementService;
  purchasing: PurchasingService;
  cycleCounts: CycleCountService;
  vanStock: VanStockService;
}

export type CommerceLoaders = ReturnType<typeof createCatalogLoaders> &
  ReturnType<typeof createCustomerLoaders> &
  ReturnType<typeof createInventoryLoaders> &
  ReturnType<typeof createOrderLoaders> &
  ReturnType<typeof createStockLoaders>;

/** What a service needs from the request: who calls and this request's loaders. */
export interface RequestScope {
  readonly viewer: Viewer | null;
  readonly loaders: CommerceLoaders;
}

/** Read-only per-request context: who calls, the services, and this request's DataLoaders. */
export interface CommerceContext extends RequestScope {
  readonly requestId: string;
  readonly services: CommerceServices;
}

/** Services are shared by every request (they hold no request state); loaders are made per request. */
export function createServices(prisma: PrismaClient, onEventsCommitted?: () => void, events?: LiveEventSource): CommerceServices {
  const pricing = new PricingService(prisma);
  const stockMovements = new StockMovementService(prisma);
  return {
    catalog: new CatalogService(prisma),
    customers: new CustomerService(prisma),
    inventory: new InventoryService(prisma),
    pricing,
    orders: new OrderService(prisma, pricing, onEventsCommitted),
    live: new LiveService(events, prisma),
    kpis: new KpiService(prisma),
    stockMovements,
    purchasing: new PurchasingService(prisma),
    cycleCounts: new CycleCountService(prisma),
    vanStock: new VanStockService(prisma, stockMovements, onEventsCommitted),
  };
}

export function createContextFactory(prisma: PrismaClient, services: CommerceServices) {
  return (internal: InternalContext): CommerceContext => {
    const viewer = internal.viewer;
    return Object.freeze({
      requestId: internal.requestId,
      viewer,
      services,
      loaders: {
        ...createCatalogLoaders(prisma, viewer),
        ...createCustomerLoaders(prisma, viewer),
        ...createInventoryLoaders(prisma, viewer),
        ...createOrderLoaders(prisma, viewer),
        ...createStockLoaders(prisma, viewer),
      },
    });
  };
}
