import { authorize, objectRuleOf, requireBoundCustomer, tenantEvents, type LiveEvent, type LiveEventSource } from '@omniroute/core';
import type { RequestScope } from '../../context.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { repCustomerWhere } from '../territories/rep-territories.ts';
import { livePolicies } from './live.policies.ts';

export interface OrderEventValue {
  orderId: string;
  previousStatus: string | null;
  status: string;
  at: string;
}

/** Live order updates: turns `order.status_changed` events of the caller's tenant into OrderEvents. */
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
}
