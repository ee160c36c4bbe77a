import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { VanStockService } from './van-stock.service.ts';
import { vanStockPolicies } from './van-stock.policies.ts';
import { vanStockResolvers } from './resolvers/index.ts';
import type { StockMovementService } from '../stock-movements/stock-movements.service.ts';

/** Van sales: loading a van from a warehouse, selling from it, reconciling it at the end of the day. */
export const vanStockModule: KitModule<{ vanStock: VanStockService }> = defineModule({
  name: 'van-stock',
  resolvers: vanStockResolvers,
  policies: vanStockPolicies,
  services: (deps: SubgraphDeps<PrismaClient>, built: { stockMovements: StockMovementService }) => ({
    vanStock: new VanStockService(deps.prisma, built.stockMovements, deps.outboxWritten),
  }),
});
