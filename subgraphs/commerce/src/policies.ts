import { mergePolicies } from '@omniroute/core';
import { catalogPolicies } from './modules/catalog/catalog.policies.ts';
import { customerPolicies } from './modules/customers/customers.policies.ts';
import { inventoryPolicies } from './modules/inventory/inventory.policies.ts';
import { kpiPolicies } from './modules/kpis/kpis.policies.ts';
import { livePolicies } from './modules/live/live.policies.ts';
import { orderPolicies } from './modules/orders/orders.policies.ts';
import { pricingPolicies } from './modules/pricing/pricing.policies.ts';
import { stockMovementPolicies } from './modules/stock-movements/stock-movements.policies.ts';
import { vanStockPolicies } from './modules/van-stock/van-stock.policies.ts';

/** Every policy of the commerce subgraph (one table per module, beside its SDL). */
export const POLICIES = mergePolicies([catalogPolicies, customerPolicies, inventoryPolicies, pricingPolicies, orderPolicies, livePolicies, kpiPolicies, stockMovementPolicies, vanStockPolicies]);
