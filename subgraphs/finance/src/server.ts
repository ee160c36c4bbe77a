import { defineSubgraph, type KitOptions, type SubgraphDeps } from '@omniroute/core/kit';
import { PrismaClient } from './generated/prisma/client.ts';
import { startOrderToCashConsumer } from './events/order-to-cash.ts';
import { startPayoutsConsumer } from './events/payouts.ts';
import { startCollectionsConsumer } from './events/collections.ts';
import { demoPlan } from '@omniroute/demo';
import { seedDemoAccounts, seedFinance } from './seed.ts';
import { ledgerModule } from './modules/ledger/ledger.module.ts';
import { creditModule } from './modules/credit/credit.module.ts';
import { invoicesModule, overdueSweepJob, type InvoicesOptions } from './modules/invoices/invoices.module.ts';
import { walletsModule } from './modules/wallets/wallets.module.ts';
import { financeDeps, paymentPollJob, paymentsModule, pendingPaymentReconcilers, type PaymentsOptions } from './modules/payments/payments.module.ts';
import { payoutsModule } from './modules/payouts/payouts.module.ts';
import { collectionsJob, collectionsModule, type CollectionsOptions } from './modules/collections/collections.module.ts';
import { settlementJob, settlementModule, type SettlementOptions } from './modules/settlement/settlement.module.ts';
import { financingJob, financingModule, type FinancingOptions } from './modules/financing/financing.module.ts';
import { kpisModule } from './modules/kpis/kpis.module.ts';
import { nodeModule } from './modules/node/node.module.ts';
import { paymentWebhookRoutes } from './modules/payments/webhooks.ts';

export type FinanceOptions = KitOptions & PaymentsOptions & InvoicesOptions & CollectionsOptions & SettlementOptions & FinancingOptions;

export const finance = defineSubgraph({
  name: 'finance',
  modulesDir: new URL('./modules', import.meta.url),
  migrationsDir: new URL('../../../prisma/finance/migrations', import.meta.url),
  client: PrismaClient,
  outbox: 'finance',
  deps: (base: SubgraphDeps<PrismaClient>, opts: FinanceOptions) => ({ ...financeDeps(base, opts), financingPolicy: opts.financingPolicy }),
  // in the order their services are built: a module's services may take those of the modules before it
  modules: [ledgerModule, creditModule, invoicesModule, walletsModule, paymentsModule, payoutsModule, collectionsModule, settlementModule, financingModule, kpisModule, nodeModule],
  consumers: [
    ({ bus, deps, services }) => startOrderToCashConsumer({ bus: bus!, prisma: deps.prisma, services, onCommitted: deps.outboxWritten }),
    ({ bus, deps, services }) => startPayoutsConsumer({ bus: bus!, prisma: deps.prisma, payouts: services.payouts, onCommitted: deps.outboxWritten }),
    ({ bus, deps, services }) => startCollectionsConsumer({ bus: bus!, prisma: deps.prisma, collections: services.collections }),
  ],
  reconcilers: pendingPaymentReconcilers,
  jobs: [overdueSweepJob, collectionsJob, settlementJob, financingJob, paymentPollJob],
  routes: ({ services }) => paymentWebhookRoutes(services.payments, services.payouts, services.collections),
  seed: ({ deps }) => seedFinance(deps.prisma, demoPlan()),
  // on this start's provider sandbox, whose URL changes from run to run: never part of the seeded template
  seedLive: ({ services, opts }) => seedDemoAccounts(services, opts.paymentSandboxUrl ?? process.env.PAYMENTS_SANDBOX_URL),
});

/** Builds the finance subgraph over its database (applies migrations); `listen` serves it. */
export const create = (opts: FinanceOptions) => finance.create(opts);
export const SDL_FILES = finance.sdlFiles;
export const MIGRATIONS_DIR = finance.migrationsDir;
