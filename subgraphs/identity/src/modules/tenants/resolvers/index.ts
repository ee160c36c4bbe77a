import type { Resolvers } from '../../../generated/graphql.ts';

export const tenantResolvers: Resolvers = {
  Query: {
    tenant: (_p, _a, ctx) => ctx.services.tenants.current(ctx),
  },
  Tenant: {
    __resolveReference: (ref, ctx) => ctx.loaders.tenantById.load(ref.id),
  },
};
