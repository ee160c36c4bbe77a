import type { FinanceContext } from '../../../context.ts';
import type { Resolvers } from '../../../generated/graphql.ts';

// Ids carry their type as a prefix (newId('pay'), seeded `pay_LAGOS…`), so the type is known before any lookup.
const TYPE_OF_PREFIX = { pay: 'Payment', inv: 'Invoice', lge: 'LedgerEntry', wal: 'Wallet', pyo: 'Payout', stl: 'SettlementReport', ptp: 'PromiseToPay', fag: 'FinancingAgreement' } as const;
type NodeType = (typeof TYPE_OF_PREFIX)[keyof typeof TYPE_OF_PREFIX];
const typeOf = (id: string): NodeType | null => TYPE_OF_PREFIX[id.slice(0, id.indexOf('_')) as keyof typeof TYPE_OF_PREFIX] ?? null;

/** The service read behind `node(id)` for each type: the same one (and policy) as the type's own query. */
const READ = {
  Payment: (ctx: FinanceContext, id: string) => ctx.services.payments.get(ctx, id),
  Invoice: (ctx: FinanceContext, id: string) => ctx.services.invoices.get(ctx, id),
  LedgerEntry: (ctx: FinanceContext, id: string) => ctx.services.ledger.entry(ctx, id),
  Wallet: (ctx: FinanceContext, id: string) => ctx.services.wallets.get(ctx, id),
  Payout: (ctx: FinanceContext, id: string) => ctx.services.payouts.get(ctx, id),
  SettlementReport: (ctx: FinanceContext, id: string) => ctx.services.settlement.get(ctx, id),
  PromiseToPay: (ctx: FinanceContext, id: string) => ctx.services.collections.promise(ctx, id),
  FinancingAgreement: (ctx: FinanceContext, id: string) => ctx.services.financing.get(ctx, id),
} satisfies Record<NodeType, (ctx: FinanceContext, id: string) => Promise<unknown>>;

export const nodeResolvers: Resolvers = {
  Query: {
    node: async (_p, { id }, ctx) => {
      const type = typeOf(id);
      return type ? READ[type](ctx, id) : null;
    },
  },
  Node: {
    __resolveType: (obj) => typeOf(obj.id),
  },
};
