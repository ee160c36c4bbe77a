import type { Resolvers } from '../../../generated/graphql.ts';
import { levelFor, nextLevelOf, xpToNextLevel } from '../../guild/guild.ts';

export const workerResolvers: Resolvers = {
  Query: {
    workers: (_p, args, ctx) => ctx.services.workers.list(ctx, args),
    worker: (_p, { id }, ctx) => ctx.services.workers.get(ctx, id),
  },
  Mutation: {
    rateWorker: async (_p, { input }, ctx) => {
      const r = await ctx.services.workers.rate(ctx, input);
      return r.ok ? { ...r.value, userErrors: [] } : { rating: null, worker: null, userErrors: r.errors };
    },
  },
  Worker: {
    __resolveReference: (ref, ctx) => ctx.services.workers.reference(ctx, ref.id),
    phone: (w, _a, ctx) => ctx.services.workers.phoneOf(ctx, w),
    level: (w) => levelFor(w.xp),
    nextLevel: (w) => nextLevelOf(levelFor(w.xp)),
    xpToNextLevel: (w) => xpToNextLevel(w.xp),
    rating: (w, _a, ctx) => ctx.services.workers.ratingOf(w),
    earnings: (w, _a, ctx) => ctx.services.earnings.earningsOf(ctx, w),
    balance: (w, _a, ctx) => ctx.services.earnings.balanceOf(ctx, w),
    tasks: (w, args, ctx) => ctx.services.workers.tasksOf(ctx, w, args),
    earningsLedger: (w, args, ctx) => ctx.services.earnings.ledgerOf(ctx, w, args),
  },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    worker: (u, _a, ctx) => ctx.services.workers.ofUser(ctx, u.id),
  },
  WorkerRating: {
    task: (r, _a, ctx) => ctx.loaders.taskById.load(r.taskId),
  },
};

