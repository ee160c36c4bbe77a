import { authorize, tenantEvents, type LiveEvent, type LiveEventSource } from '@omniroute/core';
import type { RequestScope } from '../../context.ts';
import type { PaymentStatus } from '../../generated/prisma/client.ts';
import { paymentPolicies } from './payments.policies.ts';

export interface PaymentEventValue {
  paymentId: string;
  previousStatus: PaymentStatus | null;
  status: PaymentStatus;
  at: string;
}

/** Live payment updates: turns `payment.updated` events of the caller's tenant into PaymentEvents. */
export class PaymentLiveService {
  constructor(private readonly source: LiveEventSource | undefined) {}

  async *paymentUpdates({ viewer }: RequestScope, args: { invoiceId?: string | null; paymentId?: string | null }): AsyncGenerator<{ paymentUpdated: PaymentEventValue }> {
    const v = authorize(paymentPolicies['Subscription.paymentUpdated'], viewer);
    if (!this.source) return;
    const accept = (e: LiveEvent) => (!args.paymentId || e.aggregateId === args.paymentId) && (!args.invoiceId || e.payload.invoiceId === args.invoiceId);
    for await (const e of tenantEvents(this.source, v, ['payment.updated'], accept)) {
      const p = e.payload as { paymentId: string; previousStatus?: PaymentStatus | null; status: PaymentStatus; at?: string };
      yield { paymentUpdated: { paymentId: p.paymentId, previousStatus: p.previousStatus ?? null, status: p.status, at: p.at ?? e.occurredAt } };
    }
  }
}
