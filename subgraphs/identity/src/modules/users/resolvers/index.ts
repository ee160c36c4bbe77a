import type { Resolvers } from '../../../generated/graphql.ts';

export const userResolvers: Resolvers = {
  Query: {
    me: (_p, _a, ctx) => ctx.services.users.me(ctx),
  },
  Mutation: {
    login: async (_p, { input }, ctx) => {
      const r = await ctx.services.users.login(ctx, input);
      return r.ok
        ? { ...r.value, retryAfterSeconds: null, userErrors: [] }
        : { accessToken: null, expiresAt: null, user: null, retryAfterSeconds: 'retryAfterSeconds' in r ? r.retryAfterSeconds : null, userErrors: r.errors };
    },
  },
  User: {
    __resolveReference: (ref, ctx) => ctx.loaders.userById.load(ref.id),
    tenant: async (u, _a, ctx) => (await ctx.loaders.tenantOfRow.load(u.tenantId))!,
  },
};
