import { defineModule, type KitModule } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import { WalletService } from './wallets.service.ts';
import { walletPolicies } from './wallets.policies.ts';
import { walletResolvers } from './resolvers/index.ts';

/** Customers' wallets: prepaid balances, top-ups and their movements. */
export const walletsModule: KitModule<{ wallets: WalletService }> = defineModule({
  name: 'wallets',
  resolvers: walletResolvers,
  policies: walletPolicies,
  services: (deps: FinanceDeps) => ({ wallets: new WalletService(deps.prisma) }),
});
