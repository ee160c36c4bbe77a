import { moneyField } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';
import { amountDue } from '../invoice.rules.ts';

export const invoiceResolvers: Resolvers = {
  Query: {
    invoices: (_p, args, ctx) => ctx.services.invoices.list(ctx, args),
    invoice: (_p, { id }, ctx) => ctx.services.invoices.get(ctx, id),
  },
  Invoice: {
    __resolveReference: (ref, ctx) => ctx.loaders.invoiceById.load(ref.id),
    order: (i) => ({ id: i.orderId }),
    customer: (i) => ({ id: i.customerId }),
    total: (i) => moneyField(i.total, i.currency),
    amountPaid: (i) => moneyField(i.amountPaid, i.currency),
    amountDue: (i) => moneyField(amountDue(i), i.currency),
    payments: (i, _a, ctx) => ctx.loaders.paymentsByInvoiceId.load(i.id),
  },
  Order: {
    __resolveReference: (ref, ctx) => ctx.services.invoices.orderRef(ctx, ref.id),
    invoice: (o, _a, ctx) => ctx.services.invoices.ofOrder(ctx, o.id),
  },
};
