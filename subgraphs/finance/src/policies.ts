import { mergePolicies } from '@omniroute/core';
import { creditPolicies } from './modules/credit/credit.policies.ts';
import { invoicePolicies } from './modules/invoices/invoices.policies.ts';
import { kpiPolicies } from './modules/kpis/kpis.policies.ts';
import { ledgerPolicies } from './modules/ledger/ledger.policies.ts';
import { nodePolicies } from './modules/node/node.policies.ts';
import { paymentPolicies } from './modules/payments/payments.policies.ts';
import { walletPolicies } from './modules/wallets/wallets.policies.ts';
import { payoutPolicies } from './modules/payouts/payouts.policies.ts';
import { collectionsPolicies } from './modules/collections/collections.policies.ts';
import { settlementPolicies } from './modules/settlement/settlement.policies.ts';
import { financingPolicies } from './modules/financing/financing.policies.ts';

/** Every policy of the finance subgraph (one table per module, beside its SDL). */
export const POLICIES = mergePolicies([creditPolicies, invoicePolicies, ledgerPolicies, paymentPolicies, walletPolicies, nodePolicies, kpiPolicies, payoutPolicies, collectionsPolicies, settlementPolicies, financingPolicies]);
