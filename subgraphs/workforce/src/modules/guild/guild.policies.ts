import type { PolicyTable } from '@omniroute/core';

/** Who may read the guild levels (docs/authorization.md is generated from these tables). */
export const guildPolicies = {
  'Query.guildLevels': { access: 'signedIn', note: 'the published level table, the same for everyone' },
} satisfies PolicyTable;
