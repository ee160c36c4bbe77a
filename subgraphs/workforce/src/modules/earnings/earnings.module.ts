import { defineModule, type KitModule, type Started, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { EarningsService } from './earnings.service.ts';
import { startPayoutConsumers } from './earnings.consumers.ts';
import { earningsPolicies } from './earnings.policies.ts';
import { earningsResolvers } from './resolvers/index.ts';

/** Workers' earnings ledger and withdrawals (paid out by finance; a failed payout is credited back). */
export const earningsModule: KitModule<{ earnings: EarningsService }> = defineModule({
  name: 'earnings',
  resolvers: earningsResolvers,
  policies: earningsPolicies,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ earnings: new EarningsService(deps.prisma, deps.outboxWritten) }),
});

export const payoutConsumers = ({ bus, deps }: Started<unknown, SubgraphDeps<PrismaClient>, unknown>) => startPayoutConsumers(bus!, deps.prisma);
