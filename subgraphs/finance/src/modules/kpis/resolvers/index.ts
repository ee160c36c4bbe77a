import type { Resolvers } from '../../../generated/graphql.ts';

export const kpiResolvers: Resolvers = {
  Query: {
    financeKpis: (_p, args, ctx) => ctx.services.kpis.financeKpis(ctx, args),
  },
};
