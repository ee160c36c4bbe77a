import { toPayload } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';
import { limitsOf } from '../partner-apps.service.ts';

export const partnerAppResolvers: Resolvers = {
  Query: {
    partnerApps: (_p, args, ctx) => ctx.services.partnerApps.list(ctx, args),
    partnerApp: (_p, { id }, ctx) => ctx.services.partnerApps.get(ctx, id),
    _gatewayPersistedOperations: (_p, { partnerAppId }, ctx) => ctx.services.partnerApps.gatewayOperations(ctx, partnerAppId),
  },
  Mutation: {
    createPartnerApp: async (_p, { input }, ctx) => toPayload('partnerApp', await ctx.services.partnerApps.create(ctx, input)),
    updatePartnerApp: async (_p, { input }, ctx) => toPayload('partnerApp', await ctx.services.partnerApps.update(ctx, input)),
    registerPersistedQueries: async (_p, { input }, ctx) => {
      const r = await ctx.services.partnerApps.registerManifest(ctx, input);
      return r.ok ? { partnerApp: r.value.app, registered: r.value.registered, userErrors: [] } : { partnerApp: null, registered: 0, userErrors: r.errors };
    },
  },
  PartnerApp: {
    limits: (app) => limitsOf(app),
    disabled: (app) => app.disabledAt !== null,
    persistedOperationCount: (app, _a, ctx) => ctx.loaders.operationCountByApp.load(app.id),
  },
  GatewayPartnerApp: {
    limits: (app) => limitsOf(app),
  },
};
