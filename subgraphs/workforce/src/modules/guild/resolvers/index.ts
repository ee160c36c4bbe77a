import type { Resolvers } from '../../../generated/graphql.ts';
import { GUILD_LEVELS } from '../guild.ts';

export const guildResolvers: Resolvers = {
  Query: {
    guildLevels: () => [...GUILD_LEVELS],
  },
  GuildLevel: {
    benefits: (l) => [...l.benefits],
    maxTaskPriority: (l) => l.maxPriority,
  },
};
