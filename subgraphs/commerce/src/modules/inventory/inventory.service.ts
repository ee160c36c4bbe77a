import { authorize, badUserInput, pageById, pageWindow, toConnection, type Connection, type ConnectionArgs } from '@omniroute/core';
import type { Location, PrismaClient, StockLevel } from '../../generated/prisma/client.ts';
import { MAX_STRING } from '../orders/order-input.ts';
import type { RequestScope } from '../../context.ts';
import { inventoryPolicies } from './inventory.policies.ts';

/** Inventory: locations and what they hold (on hand, reserved, available to promise), within the viewer's tenant. */
export class InventoryService {
  constructor(private readonly prisma: PrismaClient) {}

  async locations({ viewer }: RequestScope, args: ConnectionArgs): Promise<Connection<Location>> {
    const v = authorize(inventoryPolicies['Query.locations'], viewer);
    return pageById(args, ({ take, after }) => this.prisma.location.findMany({ where: { tenantId: v.tenantId, ...after }, orderBy: { id: 'asc' }, take }));
  }

  /** One page of a location's stock, batched across locations through the request's loader. */
  async stockLevels(scope: RequestScope, locationId: string, args: ConnectionArgs): Promise<Connection<StockLevel>> {
    const { first, afterId } = pageWindow(args);
    const rows = await scope.loaders.stockPageByLocation.load({ locationId, first, afterId });
    return toConnection(rows, first, afterId);
  }

  async availableToPromise({ viewer }: RequestScope, sku: string, locationId: string): Promise<StockLevel | null> {
    const v = authorize(inventoryPolicies['Query.availableToPromise'], viewer);
    if (sku.length > MAX_STRING || locationId.length > MAX_STRING) throw badUserInput(`sku and locationId are at most ${MAX_STRING} characters`);
    return this.prisma.stockLevel.findFirst({ where: { tenantId: v.tenantId, locationId, variant: { sku, tenantId: v.tenantId } } });
  }
}

/** available = onHand − reserved, never below zero. */
export const availableOf = (s: Pick<StockLevel, 'onHand' | 'reserved'>) => Math.max(0, s.onHand - s.reserved);
