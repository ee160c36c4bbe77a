import { authorize, objectRuleOf, requireBoundCustomer, tenantEvents, type LiveEvent, type LiveEventSource } from '@omniroute/core';
import type { RequestScope } from '../../context.ts';
import { livePolicies } from './live.policies.ts';

export interface OrderEventValue {
  orderId: string;
  previousStatus: string | null;
  status: string;
  at: string;
}

/** Live order updates: turns `order.status_changed` events of the caller's tenant into OrderEvents. */
export class LiveService {
  constructor(private readonly source: LiveEventSource | undefined) {}

  async *orderUpdates(scope: RequestScope, args: { orderId?: string | null; customerId?: string | null }): AsyncGenerator<{ orderUpdated: OrderEventValue }> {
    const policy = livePolicies['Subscription.orderUpdated'];
    const v = authorize(policy, scope.viewer);
    // a retailer follows its own customer's orders only, whatever it asks for
    const own = objectRuleOf(policy, v) === 'OWN_CUSTOMER' ? requireBoundCustomer(v) : null;
    if (!this.source) return;
    const accept = (e: LiveEvent) =>
      (!args.orderId || e.aggregateId === args.orderId) && (!args.customerId || e.payload.customerId === args.customerId) && (!own || e.payload.customerId === own);
    for await (const e of tenantEvents(this.source, scope.viewer, ['order.status_changed'], accept)) {
      const p = e.payload as { orderId: string; previousStatus?: string | null; status: string; at?: string };
      yield { orderUpdated: { orderId: p.orderId, previousStatus: p.previousStatus ?? null, status: p.status, at: p.at ?? e.occurredAt } };
    }
  }
}
