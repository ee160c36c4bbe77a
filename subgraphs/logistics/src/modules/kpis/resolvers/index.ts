import type { Resolvers } from '../../../generated/graphql.ts';

export const kpiResolvers: Resolvers = {
  Query: {
    logisticsKpis: (_p, args, ctx) => ctx.services.kpis.logisticsKpis(ctx, args),
  },
};
