import { authorize, objectRuleOf, requireBoundCustomer, tenantEvents, type LiveEvent, type LiveEventSource } from '@omniroute/core';
import type { RequestScope } from '../../context.ts';
import type { PrismaClient, VanReconciliation } from '../../generated/prisma/client.ts';
import { repCustomerWhere } from '../territories/rep-territories.ts';
import { VAN_VARIANCE_EVENT } from '../van-stock/van-stock.service.ts';
import { livePolicies } from './live.policies.ts';

export interface OrderEventValue {
  orderId: string;
  previousStatus: string | null;
  status: string;
  at: string;
}

/**
 * Live updates: turns `order.status_changed` events of the caller's tenant into OrderEvents, and
 * `van.reconciliation_variance` events into the reconciliations they announce.
 */
export class LiveService {
  constructor(private readonly source: LiveEventSource | undefined, private readonly prisma?: PrismaClient) {}

  async *orderUpdates(scope: RequestScope, args: { orderId?: string | null; customerId?: string | null }): AsyncGenerator<{ orderUpdated: OrderEventValue }> {
    const policy = livePolicies['Subscription.orderUpdated'];
    const v = authorize(policy, scope.viewer);
    // a retailer follows its own customer's orders only, whatever it asks for
    const rule = objectRuleOf(policy, v);
    const own = rule === 'OWN_CUSTOMER' ? requireBoundCustomer(v) : null;
    // a sales rep follows the customers of their territories as assigned when subscribing
    const reps =
      rule === 'OWN_TERRITORY' && this.prisma
        ? new Set((await this.prisma.customer.findMany({ where: { tenantId: v.tenantId, ...(await repCustomerWhere(this.prisma, v)) }, select: { id: true } })).map((c) => c.id))
        : null;
    if (!this.source) return;
    const accept = (e: LiveEvent) =>
      (!args.orderId || e.aggregateId === args.orderId) && (!args.customerId || e.payload.customerId === args.customerId) && (!own || e.payload.customerId === own) &&
      (!reps || reps.has(e.payload.customerId as string));
    for await (const e of tenantEvents(this.source, scope.viewer, ['order.status_changed'], accept)) {
      const p = e.payload as { orderId: string; previousStatus?: string | null; status: string; at?: string };
      yield { orderUpdated: { orderId: p.orderId, previousStatus: p.previousStatus ?? null, status: p.status, at: p.at ?? e.occurredAt } };
    }
  }

  /** Reconciliations with variances as they are recorded; a sales rep hears only the vans they operate (when subscribing). */
  async *vanVariances(scope: RequestScope, args: { vanId?: string | null }): AsyncGenerator<{ vanVarianceRaised: VanReconciliation }> {
    const policy = livePolicies['Subscription.vanVarianceRaised'];
    const v = authorize(policy, scope.viewer);
    if (!this.source || !this.prisma) return;
    const prisma = this.prisma;
    const own = objectRuleOf(policy, v) === 'OWN_VAN'
      ? new Set(v.userId ? (await prisma.location.findMany({ where: { tenantId: v.tenantId, kind: 'VAN', operatorUserId: v.userId }, select: { id: true } })).map((l) => l.id) : [])
      : null;
    const accept = (e: LiveEvent) => (!args.vanId || e.aggregateId === args.vanId) && (!own || own.has(e.aggregateId));
    for await (const e of tenantEvents(this.source, v, [VAN_VARIANCE_EVENT], accept)) {
      const id = (e.payload as { reconciliationId?: unknown }).reconciliationId;
      if (typeof id !== 'string') continue;
      const row = await prisma.vanReconciliation.findFirst({ where: { id, tenantId: v.tenantId } });
      if (row) yield { vanVarianceRaised: row };
    }
  }
}
