import type { Resolvers } from '../../../generated/graphql.ts';

export const kpiResolvers: Resolvers = {
  Query: {
    commerceKpis: (_p, args, ctx) => ctx.services.kpis.commerceKpis(ctx, args),
  },
};
