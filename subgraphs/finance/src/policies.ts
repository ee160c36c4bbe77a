import { mergePolicies } from '@omniroute/core';
import { creditPolicies } from './modules/credit/credit.policies.ts';
import { invoicePolicies } from './modules/invoices/invoices.policies.ts';
import { ledgerPolicies } from './modules/ledger/ledger.policies.ts';
import { paymentPolicies } from './modules/payments/payments.policies.ts';

/** Every policy of the finance subgraph (one table per module, beside its SDL). */
export const POLICIES = mergePolicies([creditPolicies, invoicePolicies, ledgerPolicies, paymentPolicies]);
