import { toPayload } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';
import { excursionSeconds } from '../cold-chain.rules.ts';

export const coldChainResolvers: Resolvers = {
  Query: {
    coldChainAlerts: (_p, args, ctx) => ctx.services.coldChain.list(ctx, args),
  },
  Mutation: {
    acknowledgeColdChainAlert: async (_p, { input }, ctx) => toPayload('alert', await ctx.services.coldChain.acknowledge(ctx, input)),
  },
  ColdChainAlert: {
    range: (a) => ({ minC: a.rangeMinC, maxC: a.limitC }),
    startedAt: (a) => a.recordedAt,
    ongoing: (a) => !a.endedAt,
    durationSeconds: (a) => excursionSeconds(a),
    minReadingC: (a) => a.minReadingC ?? a.temperatureC,
    maxReadingC: (a) => a.maxReadingC ?? a.temperatureC,
    acknowledgedBy: (a) => (a.acknowledgedBy ? { id: a.acknowledgedBy } : null),
    escalated: (a) => !!a.escalatedAt,
  },
};
