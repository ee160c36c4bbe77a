import type { Resolvers } from '../../../generated/graphql.ts';

// Ids carry their type as a prefix (newId('pay'), seeded `pay_LAGOS…`), so the type is known before any lookup.
const TYPE_OF_PREFIX = { pay: 'Payment', inv: 'Invoice', lge: 'LedgerEntry', wal: 'Wallet', pyo: 'Payout', stl: 'SettlementReport', ptp: 'PromiseToPay', fag: 'FinancingAgreement' } as const;
type NodeType = (typeof TYPE_OF_PREFIX)[keyof typeof TYPE_OF_PREFIX];
const typeOf = (id: string): NodeType | null => TYPE_OF_PREFIX[id.slice(0, id.indexOf('_')) as keyof typeof TYPE_OF_PREFIX] ?? null;

export const nodeResolvers: Resolvers = {
  Query: {
    node: async (_p, { id }, ctx) => {
      switch (typeOf(id)) {
        case 'Payment':
          return ctx.services.payments.get(ctx, id);
        case 'Invoice':
          return ctx.services.invoices.get(ctx, id);
        case 'LedgerEntry':
          return ctx.services.ledger.entry(ctx, id);
        case 'Wallet':
          return ctx.services.wallets.get(ctx, id);
        case 'Payout':
          return ctx.services.payouts.get(ctx, id);
        case 'SettlementReport':
          return ctx.services.settlement.get(ctx, id);
        case 'PromiseToPay':
          return ctx.services.collections.promise(ctx, id);
        case 'FinancingAgreement':
          return ctx.services.financing.get(ctx, id);
        default:
          return null;
      }
    },
  },
  Node: {
    __resolveType: (obj) => typeOf(obj.id),
  },
};
