import type { Resolvers } from '../../../generated/graphql.ts';

export const apiKeyResolvers: Resolvers = {
  Query: {
    apiKeys: (_p, args, ctx) => ctx.services.apiKeys.list(ctx, args),
    _gatewayApiKey: (_p, { secretHash }, ctx) => ctx.services.apiKeys.gatewayLookup(ctx, secretHash),
  },
  Mutation: {
    createApiKey: async (_p, { input }, ctx) => {
      const r = await ctx.services.apiKeys.create(ctx, input);
      return r.ok ? { apiKey: r.value.apiKey, secret: r.value.secret, userErrors: [] } : { apiKey: null, secret: null, userErrors: r.errors };
    },
    revokeApiKey: async (_p, { input }, ctx) => {
      const r = await ctx.services.apiKeys.revoke(ctx, input.id);
      return r.ok ? { apiKey: r.value, userErrors: [] } : { apiKey: null, userErrors: r.errors };
    },
    _gatewayRecordApiKeyUse: (_p, { input }, ctx) => ctx.services.apiKeys.recordUse(ctx, input.ids, input.at),
  },
  ApiKey: {
    partnerApp: async (key, _a, ctx) => (await ctx.loaders.partnerAppById.load(key.partnerAppId))!,
  },
};
