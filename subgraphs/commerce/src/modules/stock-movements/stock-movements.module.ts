import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { StockMovementService } from './stock-movements.service.ts';
import { PurchasingService } from './purchasing.service.ts';
import { CycleCountService } from './cycle-counts.service.ts';
import { createStockLoaders } from './stock-movements.loaders.ts';
import { stockMovementPolicies } from './stock-movements.policies.ts';
import { stockMovementResolvers } from './resolvers/index.ts';

/** The stock ledger: movements, purchasing (suppliers, purchase orders, goods receipts) and cycle counts. */
export const stockMovementsModule: KitModule<{ stockMovements: StockMovementService; purchasing: PurchasingService; cycleCounts: CycleCountService }, ReturnType<typeof createStockLoaders>> = defineModule({
  name: 'stock-movements',
  resolvers: stockMovementResolvers,
  policies: stockMovementPolicies,
  loaders: createStockLoaders,
  services: (deps: SubgraphDeps<PrismaClient>) => ({
    stockMovements: new StockMovementService(deps.prisma),
    purchasing: new PurchasingService(deps.prisma),
    cycleCounts: new CycleCountService(deps.prisma),
  }),
});
