import type { Resolvers } from '../../../generated/graphql.ts';

export const customerResolvers: Resolvers = {
  Query: {
    customers: (_p, args, ctx) => ctx.services.customers.customers(ctx, args),
    customer: (_p, { id }, ctx) => ctx.services.customers.customer(ctx, id),
  },
  Customer: {
    __resolveReference: (ref, ctx) => ctx.loaders.customerById.load(ref.id),
    position: (c) => (c.lat != null && c.lng != null ? { lat: c.lat, lng: c.lng } : null),
  },
};
