import { defineModule, type KitModule } from '@omniroute/core/kit';
import { guildPolicies } from './guild.policies.ts';
import { guildResolvers } from './resolvers/index.ts';

/** The guild: levels, XP and which task priorities each level may take (pure rules in guild.ts). */
export const guildModule: KitModule<{}> = defineModule({ name: 'guild', resolvers: guildResolvers, policies: guildPolicies });
