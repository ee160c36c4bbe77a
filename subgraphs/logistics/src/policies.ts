import { mergePolicies } from '@omniroute/core';
import { kpiPolicies } from './modules/kpis/kpis.policies.ts';
import { routingPolicies } from './modules/routing/routing.policies.ts';
import { shipmentPolicies } from './modules/shipments/shipments.policies.ts';
import { territoryPolicies } from './modules/territories/territories.policies.ts';
import { vehiclePolicies } from './modules/vehicles/vehicles.policies.ts';
import { beatPlanPolicies } from './modules/beat-plans/beat-plans.policies.ts';
import { coldChainPolicies } from './modules/cold-chain/cold-chain.policies.ts';

/** Every policy of the logistics subgraph (one table per module, beside its SDL). */
export const POLICIES = mergePolicies([territoryPolicies, vehiclePolicies, shipmentPolicies, routingPolicies, kpiPolicies, beatPlanPolicies, coldChainPolicies]);
